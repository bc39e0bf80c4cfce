"""The reviewed files of ads and the commands that write or show them: `ads resolve`
(ids written back into the audience file, nothing else changed), `places import` (CSV and
GeoJSON, bad rows reported at their lines), `ads plan` and the pull-request preview (the
audience in words, the budget next to the post). In-process, against the loopback
servers where a platform is asked."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from adshelp import POST, VK_CLIENT, env, make_repo, meta_server, vk_server
from repohelp import PROJECT, cli, git, write

from smmflow.content.repo import load
from smmflow.review import preview

AUDIENCE = "audiences/shop/unirii-women.yml"
CITIES = """\
# Bucharest and Cluj, for the shop's two branches
countries: [RO]
regions: [Bucuresti]   # Meta and VK call it Bucharest
cities:
  - {name: Cluj-Napoca, radius: 20 km}
interests: [coffee, Fitness]
languages: [Romanian]
"""


@pytest.fixture
def meta(serve):
    return serve(meta_server())


@pytest.fixture
def vk(serve):
    server = serve(vk_server())
    server.token = server.grant(VK_CLIENT)
    return server


def test_preview_shows_the_audience_in_words_and_the_budget(tmp_path, meta, vk):
    root = make_repo(tmp_path / "r", meta, vk, platforms="[meta, vk]")
    text = preview.build(load(root), [POST], [])
    assert "**Paid promotion:**" in text
    assert (
        "Audience unirii-women: women aged 25–40, within 2 km of Piața Unirii \\(metro "
        "station\\), Romania" in text
    ), text
    assert (
        "Budget on Meta \\(Facebook, Instagram\\): 10.00 EUR a day on 8 days, at most 80.00 EUR"
        in text
    )
    assert "Budget on VK: 300.00 RUB a day on 8 days, at most 2400.00 RUB" in text
    assert "ads created paused" in text


def test_preview_speaks_the_groups_language_about_ads_too(tmp_path, meta, vk):
    """A `language: ro` group's preview says its promotion and audience in Romanian, with
    Romanian dates, numbers and country names; not a line of it left in English."""
    root = make_repo(tmp_path / "r", meta, vk, platforms="[meta, vk]", group_extra="language: ro\n")
    text = preview.build(load(root), [POST], [])
    assert "**Promovare plătită:**" in text, text
    assert (
        "- Promovare: joi 10 dec. 2026 10:00 → joi 17 dec. 2026 10:00, pentru interacțiuni "
        "cu postarea; reclamele sunt create oprite" in text
    ), text
    assert (
        "- Public unirii-women: femei de 25–40 ani, la cel mult 2 km de Piața Unirii "
        "\\(stație de metrou\\), România" in text
    ), text
    assert "- Buget pe VK: 300,00 RUB pe zi, 8 zile, cel mult 2.400,00 RUB" in text
    for english in ("Paid promotion", "Audience ", "Budget on", "a day on", ": women", "Romania"):
        assert english not in text, english
    git(root, "checkout", "-q", "-b", "wider")
    write(root, AUDIENCE, (root / AUDIENCE).read_text().replace("25-40", "18-40"))
    git(root, "commit", "-qam", "wider audience")
    changed = preview.preview_for(root, load(root), "main")
    assert "### Publicuri schimbate" in changed, changed
    assert "femei de 18–40 ani" in changed and "folosit de `shop/2026-12-10-sale`" in changed


def test_preview_shows_what_is_wrong_with_the_audience(tmp_path, meta, vk):
    root = make_repo(tmp_path / "r", meta, vk)
    write(root, AUDIENCE, (root / AUDIENCE).read_text().replace("2 km", "300 m"))
    text = preview.build(load(root), [POST], [])
    assert "❌ `audiences/shop/unirii-women.yml` line 4: Meta takes a place's radius" in text, text


def test_preview_of_a_changed_audience_says_who_and_which_posts_use_it(tmp_path, meta, vk):
    root = make_repo(tmp_path / "r", meta, vk)
    git(root, "checkout", "-q", "-b", "wider")
    write(root, AUDIENCE, (root / AUDIENCE).read_text().replace("25-40", "18-40"))
    git(root, "commit", "-qam", "wider audience")
    text = preview.preview_for(root, load(root), "main")
    assert "No post changed." in text and "### Audiences changed" in text, text
    assert (
        "- `audiences/shop/unirii-women.yml`: women aged 18–40, within 2 km of Piața Unirii "
        "\\(metro station\\), Romania — used by `shop/2026-12-10-sale`" in text
    ), text


def test_plan_shows_targeting_and_spend_against_the_cap(tmp_path, meta, vk):
    root = make_repo(tmp_path / "r", meta, vk, platforms="[meta, vk]")
    result = cli(root, "ads", "plan", "--month", "2026-12", "--format", "json")
    assert result.code == 0, str(result)
    shown = result.json
    assert shown["groups"][0]["months"]["2026-12"] == {
        "EUR": {"most": "80.00", "cap": "300.00", "over": False},
        "RUB": {"most": "2400.00", "cap": "30000.00", "over": False},
    }
    meta_row, vk_row = shown["promotions"][0]["platforms"]
    assert meta_row["adset"]["targeting"]["genders"] == [2] and meta_row["state"] == "not pushed"
    assert meta_row["campaign"]["status"] == "PAUSED"
    assert vk_row["ad_plan"]["ad_groups"][0]["targetings"]["sex"] == ["female"]
    text = cli(root, "ads", "plan").out
    assert "2026-12: at most 80.00 of 300.00 EUR" in text
    assert "audience unirii-women: women aged 25–40, within 2 km of Piața Unirii" in text
    assert cli(root, "ads", "plan", "--month", "2027-01").out.startswith("no promotions")


def test_resolve_writes_each_platform_s_ids_and_nothing_else(tmp_path, meta, vk):
    root = make_repo(tmp_path / "r", meta, vk, platforms="[meta, vk]")
    write(root, "audiences/shop/branches.yml", CITIES)
    assert "no Meta id for region 'Bucuresti'" in cli(root, "check").out
    result = cli(root, "ads", "resolve", "--audience", "branches", env=env(meta, vk))
    text = (root / "audiences/shop/branches.yml").read_text()
    assert text.startswith(CITIES), text  # the writer's lines, comments included, as they were
    assert result.code == 1, str(result)  # names that one platform or the other lacks
    added = text[len(CITIES) :]
    assert '"Cluj-Napoca": "2394212"' in added and '"coffee": "6003107902433"' in added
    assert (
        '"Romanian": "31"' in added and '"Fitness": "10501"' in added and '"RO": "20001"' in added
    )
    out = result.out
    where = "audiences/shop/branches.yml"
    assert (
        f"{where}:3: regions.0: Meta: no match for 'Bucuresti' (did you mean 'Bucharest'?)" in out
    )
    assert (
        f"{where}:6: interests.1: Meta: no match for 'Fitness'; it knows 'Fitness and wellness'"
        in out
    )
    assert (
        f"{where}:6: interests.0: VK Ads: no match for 'coffee' (did you mean 'Coffee and tea'?)"
        in out
    )
    # the writer fixes the names; a second run keeps the ids already reviewed, adds the rest
    fixed = text.replace("[Bucuresti]", "[Bucharest]").replace(
        "[coffee, Fitness]", "[coffee, Fitness and wellness]"
    )
    write(root, "audiences/shop/branches.yml", fixed)
    meta.calls.clear()
    cli(root, "ads", "resolve", "--audience", "branches", env=env(meta, vk))
    again = (root / "audiences/shop/branches.yml").read_text()
    assert '"Bucharest": "3095"' in again and '"Bucharest": "20002"' in again
    assert '"Fitness and wellness": "6003384248805"' in again and '"Fitness"' not in again
    asked = sorted(c.params.get("q") for c in meta.of("GET", "search"))
    assert asked == ["Bucharest", "Fitness and wellness"], asked  # not the names it knew
    assert again.count("ids:") == 1 and again.startswith(fixed[: fixed.index("ids:")])
    left = [line for line in cli(root, "check").out.splitlines() if "branches" in line]
    assert sorted(left) == sorted(
        [
            f"{where}:5: warning: cities.0.radius: VK Ads targets a city as a whole: this radius is not sent to VK",
            f"{where}:5: cities.0: no VK id for city 'Cluj-Napoca': run `smmflow ads resolve` (it writes the ids into this file)",
            f"{where}:6: interests.0: no VK id for interest 'coffee': run `smmflow ads resolve` (it writes the ids into this file)",
            f"{where}:6: interests.1: no VK id for interest 'Fitness and wellness': run `smmflow ads resolve` (it writes the ids into this file)",
            f"{where}:7: warning: languages: VK Ads has no language targeting: languages are not sent to VK",
        ]
    ), left


def test_places_import_from_csv_and_geojson(tmp_path):
    root = tmp_path / "r"
    (root / "schedules").mkdir(parents=True)
    source = tmp_path / "shops.csv"
    source.write_text("name,lat,lon\nShop One,44.43,26.10\nBad Shop,444,26.1\n,44.4,26.1\n")
    result = cli(root, "places", "import", str(source), "--kind", "shop")
    assert result.code == 1, str(result)
    assert (
        f"{source}:3: latitude: '444' is not a latitude (a number from -90 to 90): left out"
        in result.err
    )
    assert f"{source}:4: name: is empty" in result.err
    assert (
        root / "places/shops.csv"
    ).read_text() == "name,latitude,longitude,kind\nShop One,44.43,26.10,shop\n"
    geo = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {
                    "@id": "node/1",
                    "name": "Piața Unirii 1",
                    "railway": "station",
                    "station": "subway",
                },
                "geometry": {"type": "Point", "coordinates": [26.1025, 44.4268]},
            },
            {
                "type": "Feature",
                "properties": {
                    "tags": {"name": "Izvor", "public_transport": "station", "subway": "yes"}
                },
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [
                        [[26.08, 44.43], [26.09, 44.43], [26.09, 44.44], [26.08, 44.44]]
                    ],
                },
            },
            {"type": "Feature", "properties": {"name": "Nowhere"}, "geometry": None},
            {
                "type": "Feature",
                "properties": {"name": "shop one"},
                "geometry": {"type": "Point", "coordinates": [1, 2]},
            },
        ],
    }
    export = tmp_path / "export.geojson"
    export.write_text(json.dumps(geo, ensure_ascii=False))
    result = cli(root, "places", "import", str(export), "--name", "shops")
    assert "places/shops.csv: 2 added, 1 kept" in result.out, str(result)
    assert f"{export}: features.2.latitude: '' is not a latitude" in result.err
    assert "© OpenStreetMap contributors under the Open Database License" in result.err
    rows = (root / "places/shops.csv").read_text().splitlines()
    assert rows == [
        "name,latitude,longitude,kind",
        "Shop One,44.43,26.10,shop",
        "Izvor,44.435000,26.085000,metro_station",
        "Piața Unirii 1,44.426800,26.102500,metro_station",
    ]


def test_places_import_keeps_the_file_s_own_columns(tmp_path):
    root = tmp_path / "r"
    (root / "schedules").mkdir(parents=True)
    write(
        root,
        "places/metro.csv",
        "name,latitude,longitude,kind,lines\nEroilor,44.43499,26.07502,metro_station,M1;M3;M5\n",
    )
    source = tmp_path / "new.csv"
    source.write_text("name,latitude,longitude\nTudor Arghezi,44.3556,26.1806\nEroilor,1,1\n")
    result = cli(
        root, "places", "import", str(source), "--name", "metro", "--kind", "metro_station"
    )
    assert result.code == 0 and "1 added, 1 kept" in result.out, str(result)
    assert (root / "places/metro.csv").read_text() == (
        "name,latitude,longitude,kind,lines\nEroilor,44.43499,26.07502,metro_station,M1;M3;M5\n"
        "Tudor Arghezi,44.3556,26.1806,metro_station,\n"
    )


def test_places_import_refuses_a_name_that_leaves_the_folder(tmp_path):
    root = tmp_path / "r"
    (root / "schedules").mkdir(parents=True)
    source = tmp_path / "x.csv"
    source.write_text("name,lat,lon\nA,1,1\n")
    result = cli(root, "places", "import", str(source), "--name", "../../etc/x")
    assert result.code == 2 and "give a plain file name" in result.err
    assert not (tmp_path / "etc").exists() and not Path(root / "places").exists()


def test_every_ads_and_places_command_and_option_is_documented():
    import click

    from smmflow.cli import main

    readme = (PROJECT / "README.md").read_text(encoding="utf-8")
    reference = (PROJECT / "docs" / "commands.md").read_text(encoding="utf-8")
    for group in ("ads", "places"):
        for name, command in main.commands[group].commands.items():
            assert f"smmflow {group} {name}" in readme
            section = reference.split(f"## smmflow {group} {name}\n", 1)[1].split("\n## ", 1)[0]
            for param in command.params:
                if isinstance(param, click.Option):
                    assert all(o in section for o in param.opts if o.startswith("--")), (
                        name,
                        param.opts,
                    )
