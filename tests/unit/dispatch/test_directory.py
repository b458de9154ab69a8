from pathlib import Path
from typing import Any

import pytest
import yaml

from services.dispatch.domain import Directory, DirectoryError, Tier

VALID = {
    "districts": [{"id": "D09", "name": "试验区"}],
    "townships": [{"id": "D09-T01", "name": "南湖街道", "district": "D09"}],
    "villages": [{"id": "D09-T01-V01", "name": "荷塘社区", "township": "D09-T01"}],
    "grids": [
        {
            "code": "G-D09-T01-V01-01",
            "name": "荷塘第一网格",
            "village": "D09-T01-V01",
            "roads": ["荷塘路"],
            "landmarks": ["荷塘小学"],
        },
    ],
    "units": [
        {"id": "U-D09-T01-V01", "name": "荷塘社区居委会", "tier": "village", "area": "D09-T01-V01"},
        {"id": "U-D09-T01", "name": "南湖街道便民服务中心", "tier": "township", "area": "D09-T01"},
        {
            "id": "U-D09-DBZX",
            "name": "试验区12345督办中心",
            "tier": "district",
            "area": "D09",
            "role": "dispatch_centre",
        },
    ],
}


@pytest.fixture(scope="module")
def directory() -> Directory:
    return Directory.from_file()


def write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "directory.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_the_demo_directory_has_the_promised_shape(directory: Directory) -> None:
    villages = {g.village_id for g in directory.grids}
    townships = {v.rsplit("-", 1)[0] for v in villages}

    assert len(townships) >= 3
    assert len(villages) >= 9
    for village in villages:
        assert len([g for g in directory.grids if g.village_id == village]) >= 2
        assert directory.unit(f"U-{village}").tier is Tier.VILLAGE
    for township in townships:
        assert directory.unit(f"U-{township}").tier is Tier.TOWNSHIP
    assert directory.dispatch_centre("D01").name == "明湖区12345督办中心"


def test_grid_code_is_matched_exactly(directory: Directory) -> None:
    grid = directory.grid_for(grid_code="G-D01-T02-V01-02", address="随便写的地址 柳岸路")

    assert grid is not None and grid.code == "G-D01-T02-V01-02"


def test_grid_is_found_by_road_name_in_the_address(directory: Directory) -> None:
    grid = directory.grid_for(grid_code=None, address="明湖区湖滨街道荷风路12号3栋")

    assert grid is not None and grid.code == "G-D01-T01-V03-02"


def test_grid_is_found_by_landmark(directory: Directory) -> None:
    grid = directory.grid_for(grid_code=None, address="东城体育馆北门对面")

    assert grid is not None and grid.code == "G-D01-T02-V03-01"


def test_village_name_alone_lands_in_its_first_grid(directory: Directory) -> None:
    grid = directory.grid_for(grid_code=None, address="青山镇枫林村")

    assert grid is not None and grid.code == "G-D01-T03-V02-01"


def test_a_township_name_alone_places_the_case_but_not_in_a_grid(directory: Directory) -> None:
    location = directory.locate(grid_code=None, address="青山镇某处")

    assert location is not None and location.township is not None
    assert location.township.id == "D01-T03"
    assert location.grid is None
    assert directory.grid_for(grid_code=None, address="青山镇某处") is None


def test_unknown_places_give_no_grid(directory: Directory) -> None:
    assert directory.grid_for(grid_code="G-NOPE", address="火星基地") is None
    assert directory.grid_for(grid_code=None, address=None) is None


def test_unknown_unit_is_a_key_error(directory: Directory) -> None:
    with pytest.raises(KeyError, match="U-NOPE"):
        directory.unit("U-NOPE")


def test_a_minimal_valid_directory_loads(tmp_path: Path) -> None:
    directory = Directory.from_file(write(tmp_path, VALID))

    assert directory.unit("U-D09-T01").name == "南湖街道便民服务中心"


def broken(section: str, index: int, **changes: object) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(yaml.safe_dump(VALID, allow_unicode=True))
    entry = data[section][index]
    for key, value in changes.items():
        if value is None:
            entry.pop(key, None)
        else:
            entry[key] = value
    return data


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (broken("townships", 0, district="D77"), "unknown parent district 'D77'"),
        (broken("villages", 0, township="D09-T99"), "unknown parent township 'D09-T99'"),
        (broken("grids", 0, village=None), "grid has no village"),
        (broken("grids", 0, village="D09-T01-V42"), "unknown village 'D09-T01-V42'"),
        (broken("units", 1, area=None), "unit has no jurisdiction"),
        (broken("units", 1, area="D09-T05"), "unknown jurisdiction 'D09-T05'"),
        (broken("units", 1, id="U-D09-T01-V01"), "duplicate unit id 'U-D09-T01-V01'"),
        (broken("units", 0, tier="township"), "does not match"),
        (broken("units", 2, role=None), "has no dispatch_centre unit"),
        (broken("units", 0, tier="planet"), "unknown tier 'planet'"),
        (broken("townships", 0, name=""), "missing or empty 'name'"),
    ],
)
def test_invalid_directories_are_rejected_with_a_clear_message(
    tmp_path: Path, data: object, message: str
) -> None:
    with pytest.raises(DirectoryError, match=message):
        Directory.from_file(write(tmp_path, data))


def test_a_duplicate_area_id_is_rejected(tmp_path: Path) -> None:
    data = yaml.safe_load(yaml.safe_dump(VALID, allow_unicode=True))
    data["villages"].append(dict(data["villages"][0]))

    with pytest.raises(DirectoryError, match="duplicate area id 'D09-T01-V01'"):
        Directory.from_file(write(tmp_path, data))


def test_a_village_without_a_unit_is_rejected(tmp_path: Path) -> None:
    data = yaml.safe_load(yaml.safe_dump(VALID, allow_unicode=True))
    data["units"] = data["units"][1:]

    with pytest.raises(DirectoryError, match="village 'D09-T01-V01' has no handling unit"):
        Directory.from_file(write(tmp_path, data))


def test_a_file_that_is_not_yaml_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "directory.yaml"
    path.write_text("districts: [\n", encoding="utf-8")

    with pytest.raises(DirectoryError, match="not valid YAML"):
        Directory.from_file(path)
