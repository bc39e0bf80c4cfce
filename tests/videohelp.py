"""What the TikTok, YouTube and Google Business Profile tests share: the three loopback
servers with one identity each (a creator, a channel, a location), a static site standing
for the public media URL, and a content repository with a video post for TikTok and
YouTube and a photo offer for the business profile."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from repohelp import base_env, commit, init_repo, write
from servers.gbp import GbpServer
from servers.meta import StaticSite, jpeg, mp4
from servers.tiktok import TikTokServer
from servers.youtube import YT, YouTubeServer

NOW = "2026-12-04 12:00"
TT_KEY, TT_SECRET = "aw1loopbackkey", "loopback-client-secret"
TT_REFRESH = "rft.brutaria-refresh-token-0001"
G_CLIENT, G_SECRET = "bakery-agency.apps.googleusercontent.com", "GOCSPX-agency-s3cret"
YT_REFRESH = "1//0brutaria-youtube-refresh-token"
GBP_REFRESH = "1//0brutaria-business-refresh-token"
CHANNEL = "UCbrutaria000000000000000"
OWNER = "owner@brutaria.ro"
LOCATION = "accounts/1077/locations/5512"
CAPTION = (
    "Pâine cu maia, coaptă azi în cuptorul cu lemne — șase soiuri, și cozonac.\n\n"
    "Comenzi: [brutaria.ro/comenzi](https://brutaria.ro/comenzi) #brutărie"
)
# What TikTok and YouTube receive: plain text, a link whose words are its address said
# once, as the full address.
PLAIN = (
    "Pâine cu maia, coaptă azi în cuptorul cu lemne — șase soiuri, și cozonac.\n\n"
    "Comenzi: https://brutaria.ro/comenzi #brutărie"
)
OFFER = "Cozonac cu nucă: 20% reducere până duminică. Detalii: https://brutaria.ro/oferta"
VIDEO, OFFER_POST = "bakery/2026-12-04-paine", "bakery/2026-12-04-cozonac"
SECRETS = {
    "TT_KEY": TT_KEY,
    "TT_SECRET": TT_SECRET,
    "TT_REFRESH": TT_REFRESH,
    "G_CLIENT": G_CLIENT,
    "G_SECRET": G_SECRET,
    "YT_REFRESH": YT_REFRESH,
    "GBP_REFRESH": GBP_REFRESH,
}


def photo(seed: int = 0) -> bytes:
    """A JPEG-looking file over Google's 10 KB minimum."""
    return jpeg(seed)[:-2] + bytes((seed + i) % 251 for i in range(12_000)) + b"\xff\xd9"


def video(seed: int = 0, size: int = 600) -> bytes:
    return mp4(seed) + bytes((seed * 7 + i) % 256 for i in range(max(0, size - 524)))


@dataclass
class Servers:
    tiktok: TikTokServer
    youtube: YouTubeServer
    gbp: GbpServer
    site: StaticSite
    www: Path

    def stop(self) -> None:
        for server in (self.tiktok, self.youtube, self.gbp, self.site):
            server.stop()


def start_servers(www: Path) -> Servers:
    www.mkdir(parents=True, exist_ok=True)
    tiktok = TikTokServer().start()
    tiktok.add_creator("open-brutaria", "brutaria.sibiu", "act.unused-initial", nickname="Brutăria")
    tiktok.add_refresh_token(TT_REFRESH, "open-brutaria")
    youtube = YouTubeServer().start()
    youtube.clients[G_CLIENT] = G_SECRET
    scopes = (YT + "youtube.upload", YT + "youtube")
    youtube.add_channel(CHANNEL, "Brutăria Sibiu", "ya29.unused", scopes=scopes)
    youtube.add_refresh_token(YT_REFRESH, CHANNEL, scopes, client_id=G_CLIENT)
    gbp = GbpServer().start()
    gbp.clients[G_CLIENT] = G_SECRET
    gbp.add_account("1077", "Brutăria Sibiu", (OWNER,))
    gbp.add_location("1077", "5512", "Brutăria Sibiu — Centru")
    manage = ("https://www.googleapis.com/auth/business.manage",)
    gbp.add_refresh_token(GBP_REFRESH, OWNER, manage, client_id=G_CLIENT)
    return Servers(tiktok, youtube, gbp, StaticSite(www).start(), www)


def group_file(servers: Servers) -> str:
    site = f"{servers.site.url}/repo/content/bakery"
    return (
        "name: Brutăria\ntimezone: Europe/Bucharest\nmax_delay: 30d\naccounts:\n"
        "  tiktok: {client_key_env: TT_KEY, client_secret_env: TT_SECRET, "
        f'refresh_token_env: TT_REFRESH, privacy: PUBLIC_TO_EVERYONE, api: "{servers.tiktok.url}", '
        f'media_base_url: "{site}"}}\n'
        "  youtube: {client_id_env: G_CLIENT, client_secret_env: G_SECRET, "
        f'refresh_token_env: YT_REFRESH, api: "{servers.youtube.url}"}}\n'
        f"  maps: {{platform: google_business, location: {LOCATION}, client_id_env: G_CLIENT, "
        f'client_secret_env: G_SECRET, refresh_token_env: GBP_REFRESH, language: ro, api: "{servers.gbp.url}", '
        f'media_base_url: "{site}"}}\n'
    )


def make_repo(servers: Servers) -> Path:
    """The bakery's repository inside the static site's folder (its media has a public URL)."""
    root = init_repo(servers.www / "repo")
    write(root, "schedules/bakery.yml", group_file(servers))
    media = root / "content/bakery/media"
    media.mkdir(parents=True)
    (media / "paine.mp4").write_bytes(video(1, 300_000))
    (media / "cozonac.jpg").write_bytes(photo(2))
    write(
        root,
        f"content/{VIDEO}.md".replace("bakery/", "bakery/"),
        "---\ndate: 2026-12-04 10:00\ntype: sales\nplatforms: [tiktok, youtube]\n"
        "title: Pâine cu maia, coaptă azi\nmedia:\n  - src: media/paine.mp4\n"
        "    alt: Pâini scoase din cuptor\nyoutube:\n  tags: [brutărie, pâine cu maia, Sibiu]\n"
        f"---\n{CAPTION}\n",
    )
    write(
        root,
        f"content/{OFFER_POST}.md",
        "---\ndate: 2026-12-04 10:05\ntype: sales\nplatforms: [maps]\n"
        "title: Săptămâna cozonacului\nmedia:\n  - src: media/cozonac.jpg\n    alt: Cozonac feliat\n"
        "google_business:\n  topic: offer\n  start: 2026-12-04 08:00\n  end: 2026-12-07 20:00\n"
        "  coupon: COZO20\n  redeem_url: https://brutaria.ro/oferta\n"
        f"---\n{OFFER}\n",
    )
    commit(root, "video and offer")
    return root


def env(state: Path, **extra: str) -> dict[str, str]:
    return base_env(**SECRETS, SMMFLOW_STATE_DIR=str(state), **extra)
