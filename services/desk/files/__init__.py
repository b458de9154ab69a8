"""A case's files and photos at the desk: uploads checked, stored, listed and served."""
