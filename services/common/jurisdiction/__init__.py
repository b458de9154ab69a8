"""The jurisdiction directory (district → townships → villages → grids, and their units).

Shared reference data: dispatch routes by it, the read side scopes who sees what by it.
Pure Python, no framework.
"""

from services.common.jurisdiction.directory import DISPATCH_CENTRE, Directory, DirectoryError
from services.common.jurisdiction.model import Area, Grid, Location, Tier, Unit

__all__ = [
    "DISPATCH_CENTRE",
    "Area",
    "Directory",
    "DirectoryError",
    "Grid",
    "Location",
    "Tier",
    "Unit",
]
