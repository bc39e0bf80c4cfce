"""VK: what a community wall receives (text, link card, photos with their captions, video),
the guid that makes a resend harmless, VK's errors inside HTTP 200, verify, delete and
doctor, against the loopback VK of tests/servers/vk.py."""

from __future__ import annotations

import hashlib

import pytest
from publishhelp import Saved, make_repo, run
from servers.meta import jpeg, mp4
from servers.vk import VkServer

from smmflow.platforms import sent
from smmflow.platforms.http import FAIL, REAUTH, RETRY, PublishError

GROUP_ID, ADMIN, EDITOR_LESS = 229_000_001, 743_784_474, 743_784_475
OWNER = -GROUP_ID
TOKEN, OTHER = "vk1.a.admin-user-token-0123456789", "vk1.a.moderator-token-9876543210"
TEXT, PHOTOS, VIDEO = "2026-12-04-cozonac", "2026-12-05-vitrina", "2026-12-06-film"
URL = "https://example.ro/cozonac"


@pytest.fixture
def vk(serve):
    server = VkServer()
    server.add_user(ADMIN, "Ana", "Pop")
    server.add_user(EDITOR_LESS, "Ion", "Rusu")
    server.add_group(GROUP_ID, "Brutăria Dulce", "brutariadulce", admins={ADMIN: 3, EDITOR_LESS: 1})
    server.add_token(TOKEN, ADMIN)
    server.add_token(OTHER, EDITOR_LESS)
    return serve(server)


@pytest.fixture
def repo(tmp_path, vk):
    account = {"platform": "vk", "owner": str(OWNER), "token_env": "VK_TOKEN", "api": vk.api}
    return make_repo(
        tmp_path / "repo",
        {"vk": account},
        {
            TEXT: (f"**Cozonac** cu nucă 🎄 — [comandă aici]({URL}) #Crăciun", []),
            PHOTOS: (
                "Vitrina de azi.",
                [("media/a.jpg", "Vitrina, stânga"), ("media/b.jpg", "Vitrina, dreapta")],
            ),
            VIDEO: (
                "Cum se împletește.",
                [("media/film.mp4", "Mâini care împletesc"), ("media/a.jpg", "Aluat")],
            ),
        },
        {"media/a.jpg": jpeg(1), "media/b.jpg": jpeg(2), "media/film.mp4": mp4(3)},
    )


def publisher(repo, token=TOKEN, attempts=3):
    return run(repo, "vk", {"VK_TOKEN": token}, attempts)


def test_text_post_goes_out_as_the_community_with_the_guid_and_a_link_card(repo, vk):
    pub = publisher(repo)
    receipt = pub.send(TEXT, key="k-text")
    [post] = vk.wall(OWNER)
    assert receipt.remote_id == f"{OWNER}_{post['id']}"
    assert receipt.url == f"https://vk.com/wall{OWNER}_{post['id']}"
    assert post["text"] == f"Cozonac cu nucă 🎄 — comandă aici ({URL}) #Crăciun"
    assert post["from_id"] == OWNER and post["guid"] == "k-text" and post["link"] == URL
    [call] = vk.of("wall.post")
    assert call.params["v"] == "5.199" and call.params["from_group"] == "1"
    assert call.headers["Authorization"] == f"Bearer {TOKEN}"  # never in the URL


def test_photos_carry_their_alt_text_as_caption_and_every_byte(repo, vk):
    receipt = publisher(repo).send(PHOTOS)
    [post] = vk.wall(OWNER)
    shown = vk.media_of(post)
    assert [m["text"] for m in shown] == ["Vitrina, stânga", "Vitrina, dreapta"]
    assert [m["sha256"] for m in shown] == [hashlib.sha256(jpeg(i)).hexdigest() for i in (1, 2)]
    assert post["link"] == "" and receipt.remote_id.endswith(f"_{post['id']}")
    [up] = vk.of("upload.photo")[:1]
    assert "photo" in up.files  # the documented field name


def test_a_video_and_a_photo_in_one_post(repo, vk):
    publisher(repo).send(VIDEO)
    [post] = vk.wall(OWNER)
    kinds = [m["kind"] for m in vk.media_of(post)]
    assert kinds == ["video", "photo"]
    [video] = [m for m in vk.media_of(post) if m["kind"] == "video"]
    assert video["sha256"] == hashlib.sha256(mp4(3)).hexdigest()
    assert video["title"] == "Mâini care împletesc"


def test_a_resend_with_the_same_key_is_the_same_post(repo, vk):
    pub = publisher(repo)
    first = pub.send(TEXT, key="same")
    saved = Saved()
    again = pub.send(TEXT, key="same", saved=saved)
    assert first == again and len(vk.wall(OWNER)) == 1
    assert len(vk.of("wall.post")) == 2  # sent twice, made once: VK's guid


def test_a_resumed_send_reuses_the_uploads_it_checkpointed(repo, vk):
    pub = publisher(repo)
    saved = Saved()
    vk.fail("wall.post", "reset", "reset", "reset")
    with pytest.raises(PublishError) as failed:
        pub.send(PHOTOS, key="k", saved=saved)
    assert failed.value.kind == RETRY
    checkpoint = sent.read(saved.last)
    assert checkpoint is not None and checkpoint.extra.count("photo") == 2
    uploads = len(vk.of("upload.photo"))
    pub.send(PHOTOS, key="k", prior=saved.last)
    assert len(vk.of("upload.photo")) == uploads  # nothing uploaded twice
    assert len(vk.wall(OWNER)) == 1


@pytest.mark.parametrize(
    ("code", "kind", "words"),
    [
        ("14", FAIL, "captcha"),
        ("5", REAUTH, "access token"),
        ("15", FAIL, "administrator or editor"),
        ("214", FAIL, "Access to adding post denied"),
        ("222", FAIL, "Hyperlinks are forbidden"),
        ("100", FAIL, "VK refused it"),
    ],
)
def test_vk_errors_inside_http_200_are_classified(repo, vk, code, kind, words):
    vk.fail("wall.post", code)
    with pytest.raises(PublishError) as failed:
        publisher(repo).send(TEXT)
    assert failed.value.kind == kind and words in failed.value.message, failed.value.message
    assert f"code {code}" in failed.value.message and vk.wall(OWNER) == []


def test_too_many_requests_waits_a_second_and_an_internal_error_is_resent_safely(repo, vk):
    vk.fail("wall.post", "6", "10-after")
    pub = publisher(repo)
    pub.send(TEXT)
    assert pub.sleeps[0] == 1.0  # VK's per-second limit: one second
    assert len(vk.of("wall.post")) == 3 and len(vk.wall(OWNER)) == 1  # the guid again


def test_flood_control_waits_for_a_later_run(repo, vk):
    vk.fail("wall.post", "9")
    with pytest.raises(PublishError) as failed:
        publisher(repo).send(TEXT)
    assert failed.value.kind == RETRY and "beyond this run's limit" in failed.value.message


def test_verify_finds_the_post_of_a_stopped_send_and_only_that(repo, vk):
    pub = publisher(repo)
    assert pub.verify(TEXT, "") is None  # nothing was checkpointed: never sent
    saved = Saved()
    receipt = pub.send(TEXT, saved=saved)
    assert pub.verify(TEXT, saved.last) == receipt
    old = sent.read(saved.last)
    later = f"sent:{int(old.at) + 3600}:{old.fingerprint}"  # a send after this post
    assert pub.verify(TEXT, later) is None


def test_delete_and_delete_again(repo, vk):
    pub = publisher(repo)
    receipt = pub.send(TEXT)
    pub.publisher.delete(pub_attempt(receipt))
    assert vk.wall(OWNER) == []
    pub.publisher.delete(pub_attempt(receipt))  # gone already: done


def pub_attempt(receipt):
    from smmflow.platforms.base import Attempt

    return Attempt("k", receipt.remote_id)


def test_a_wrong_owner_is_refused_before_any_request(tmp_path, vk):
    account = {"platform": "vk", "owner": "brutariadulce", "token_env": "VK_TOKEN", "api": vk.api}
    repo = make_repo(tmp_path / "r", {"vk": account}, {TEXT: ("Pâine.", [])})
    with pytest.raises(PublishError) as failed:
        publisher(repo).send(TEXT)
    assert failed.value.kind == FAIL and "minus sign" in failed.value.message and vk.calls == []


def levels(findings):
    return [(f.level, f.message) for f in findings]


def test_doctor_says_who_may_post_where(repo, vk):
    found = levels(publisher(repo).publisher.doctor())
    assert ("ok", "the token is valid (user Ana Pop, id 743784474)") in found
    assert ("ok", "rights wall, photos and video granted") in found
    assert ("ok", "may post to Brutăria Dulce (-229000001) as an administrator") in found
    assert not [f for f in found if f[0] != "ok"], found


def test_doctor_finds_a_moderator_a_short_lived_token_and_a_bad_one(repo, vk):
    vk.tokens[OTHER].rights = ("wall", "photos")
    found = levels(publisher(repo, OTHER).publisher.doctor())
    errors = [m for level, m in found if level == "error"]
    assert any("not an editor or administrator of Brutăria Dulce" in m for m in errors), found
    assert any("lacks the right video" in m for m in errors), found
    assert any(level == "warning" and "offline" in m for level, m in found), found
    found = levels(publisher(repo, "vk1.a.not-a-token-at-all").publisher.doctor())
    assert found[-1][0] == "error" and "refused the access token" in found[-1][1]


def test_past_the_guid_window_a_resumed_send_looks_on_the_wall_first(repo, vk):
    pub = publisher(repo)
    saved = Saved()
    receipt = pub.send(TEXT, key="k", saved=saved)
    old = sent.read(saved.last)
    vk.clock += 3700  # VK forgot the guid
    stale = f"sent:{int(old.at) - 3700}:{old.fingerprint}:{old.extra}"
    assert pub.send(TEXT, key="k", prior=stale) == receipt
    assert len(vk.of("wall.post")) == 1 and len(vk.wall(OWNER)) == 1


def test_a_checkpoint_is_no_post_to_delete(repo):
    from smmflow.platforms.base import Attempt

    pub = publisher(repo)
    with pytest.raises(PublishError) as failed:
        pub.publisher.delete(Attempt("k", "sent:1700000000:0123456789ab:photo-1_2"))
    assert failed.value.kind == FAIL and "delete it by hand" in failed.value.message
