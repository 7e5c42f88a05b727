"""Training recipes: sections, changes by field name, and config.json old and new."""

import json

import pytest

from catdog_cnn.config import MODELS_DIR, CatDogError
from catdog_cnn.nets.recipes import RECIPES, VERSIONS, changed, config_from_dict, config_to_dict, recipe
from catdog_cnn.sound.augment import BandLimit, Hum, Tilt


def test_changes_are_named_by_field_whatever_section_holds_them():
    config = changed(recipe("m5"), epochs=3, preset="original", threshold=0.2, speed=(1.0, 1.0), seed=4)
    assert config.optimisation.epochs == 3 and config.model.preset == "original"
    assert config.windows.threshold == 0.2 and config.augmentation.speed == (1.0, 1.0) and config.seed == 4
    assert recipe("m5").optimisation.epochs == 40  # the named recipe itself is unchanged
    with pytest.raises(CatDogError, match="'epochz' is no field"):
        changed(recipe("m5"), epochz=3)
    with pytest.raises(CatDogError, match="this recipe has none"):
        changed(recipe("original"), speed=(0.9, 1.1))


def test_a_recipe_is_saved_and_read_back_unchanged():
    for config in [*RECIPES.values(), *VERSIONS.values()]:
        assert config_from_dict(json.loads(json.dumps(config_to_dict(config)))) == config


@pytest.mark.parametrize("name", ["original", "m5"])
def test_the_flat_config_json_of_older_run_folders_reads_as_the_same_recipe(name):
    saved = json.loads((MODELS_DIR / name / "config.json").read_text())
    assert "epochs" in saved and "optimisation" not in saved  # written before the recipe had sections
    assert config_from_dict(saved) == changed(RECIPES[name], seed=saved["seed"])


def test_m5_augments_with_the_adopted_transforms_in_order():
    assert RECIPES["m5"].augmentation.transforms == (BandLimit(0.3), Tilt(0.6), Hum(0.3))
    assert RECIPES["original"].augmentation is None
