"""Write the noise documents of the evaluation corpus (deterministic; CC0: every sentence is written here).

Two kinds: documentation pages of other fictional software products (they share the true pages' vocabulary:
ports, configuration, backups, tokens, errors) and short pages on unrelated everyday topics.
Run `python bench/kbeval/make_noise.py` to regenerate `corpus/noise_*`.
"""

import random
from pathlib import Path

CORPUS = Path(__file__).resolve().parent / "corpus"

PRODUCTS = [
    ("Tidewater", "message queue"),
    ("Lumen CI", "continuous integration server"),
    ("Quarry", "wiki"),
    ("Bellwether", "monitoring system"),
    ("Cinder DNS", "DNS server"),
    ("Parley", "team chat server"),
    ("Mosswood", "photo library"),
    ("Ledgerly", "invoicing application"),
    ("Kestrel", "reverse proxy"),
    ("Orchard", "package mirror"),
    ("Slate Notes", "note-taking server"),
    ("Driftnet", "VPN gateway"),
    ("Pennant", "feature-flag service"),
    ("Halyard", "container registry"),
    ("Fennel", "recipe manager"),
    ("Gantry", "job scheduler"),
    ("Wicket", "single sign-on portal"),
    ("Marlin", "search engine"),
    ("Copperleaf", "time-series database"),
    ("Sundial", "calendar server"),
    ("Basalt", "object storage"),
    ("Trellis", "project tracker"),
    ("Ember Mail", "mail server"),
    ("Spindle", "video transcoder"),
    ("Anvil", "build cache"),
    ("Lantern", "log collector"),
    ("Pebble", "key-value store"),
    ("Rookery", "password manager"),
    ("Sextant", "network inventory tool"),
    ("Tamarack", "print server"),
]

PRODUCT_SENTENCES = [
    "{p} is a {c} that runs on a single Linux machine or in a container.",
    "It needs at least {ram} GB of RAM and listens on port {port} by default.",
    "The configuration file is {conf}; run `{cli} reload` after changing it.",
    "Set `max_clients` to limit how many clients are served at once; the default is {clients}.",
    "Logs are written to /var/log/{slug}/{slug}.log and kept for {days} days.",
    "Back up the directory /var/lib/{slug} regularly; {p} itself does not keep older versions of your data.",
    "Error {code} means that the disk is full; free space and restart the service.",
    "Administrators create access tokens in the settings page; a token is valid for {tokdays} days.",
    "Version {major}.{minor} added support for {feature}.",
    "To upgrade, stop the service, install the new package and run `{cli} migrate`.",
    "The web interface is available in English, French and Japanese.",
    "Requests to the HTTP API are limited to {rate} per minute per token.",
]

FEATURES = [
    "IPv6",
    "LDAP groups",
    "Prometheus metrics",
    "dark mode",
    "webhooks",
    "ARM64 builds",
    "SAML login",
    "read replicas",
    "audit logs",
    "two-factor authentication",
]

TOPICS = {
    "lighthouses": (
        "Lighthouses used oil lamps and later electric lamps with Fresnel lenses that focus the light into a beam.",
        "Each lighthouse has its own pattern of flashes so sailors can tell them apart at night.",
        "Most lighthouses today are automated and no longer have a keeper.",
    ),
    "tea": (
        "Green tea is brewed with water at about 80 degrees for two minutes;"
        " black tea with boiling water for four minutes.",
        "Oolong sits between the two and can be steeped several times.",
        "Loose leaves give more flavour than dust in bags.",
    ),
    "bicycle_touring": (
        "A touring bicycle carries luggage in panniers on racks over the wheels, keeping the weight low.",
        "Wide tyres at moderate pressure are comfortable on gravel.",
        "Carry a spare tube, a pump and a chain tool.",
    ),
    "birdwatching": (
        "Binoculars with 8x magnification and a 42 mm objective are a good all-round choice for birdwatching.",
        "Early morning is the best time, when birds are most active.",
        "Learn common songs first to find birds by ear.",
    ),
    "composting": (
        "A compost heap needs a mix of green material such as grass cuttings and brown material such as dry leaves.",
        "Turn it every few weeks to let air in.",
        "Finished compost smells of earth and is ready after six to twelve months.",
    ),
    "sourdough": (
        "A sourdough starter is a mix of flour and water that wild yeast and lactic bacteria ferment.",
        "Feed it once a day at room temperature or once a week in the fridge.",
        "A strong starter doubles within six hours.",
        "Bake when the dough has risen by about half; an overproofed dough spreads flat in the oven.",
    ),
    "tomatoes": (
        "Tomatoes need at least six hours of direct sun.",
        "Water deeply twice a week rather than a little every day.",
        "Pinch out the side shoots of cordon varieties so the plant puts its energy into fruit.",
        "Blossom end rot comes from uneven watering, not from a lack of calcium in most gardens.",
    ),
    "chess_openings": (
        "The Italian Game starts with 1.e4 e5 2.Nf3 Nc6 3.Bc4 and aims at the weak f7 square.",
        "The Sicilian Defence answers 1.e4 with c5 and leads to unbalanced positions.",
        "Beginners should develop knights before bishops and castle early.",
    ),
    "marathon": (
        "A marathon is 42.195 kilometres long.",
        "Most training plans last sixteen to twenty weeks and build the long run slowly to about 32 kilometres.",
        "Eat carbohydrates during the race, about 60 grams per hour, to avoid hitting the wall.",
    ),
    "honeybees": (
        "A honeybee colony has one queen, thousands of female workers and, in summer, a few hundred drones.",
        "Workers communicate the direction of flowers with the waggle dance.",
        "A strong colony stores more honey than it needs for winter.",
    ),
    "kayaking": (
        "Sea kayaks are long and narrow so they track straight in wind.",
        "Always wear a buoyancy aid and tell someone your route.",
        "Practise the wet exit in calm water before paddling far from the shore.",
    ),
    "volcanoes": (
        "Shield volcanoes such as those of Hawaii have gentle slopes built by runny basalt lava.",
        "Stratovolcanoes are steep and erupt explosively because their magma is thick and full of gas.",
        "Volcanic ash can ground aircraft hundreds of kilometres away.",
    ),
    "knitting": (
        "Knitting uses two basic stitches, knit and purl.",
        "Stockinette fabric alternates a row of knit with a row of purl.",
        "Check your gauge with a swatch before starting a sweater, or it will not fit.",
    ),
    "origami": (
        "Origami folds a single square sheet without cuts or glue.",
        "The crane is the best-known model.",
        "Thin paper such as kami holds creases well; wet folding uses thicker paper for rounded shapes.",
    ),
    "rainwater": (
        "A rain barrel collects water from a roof downpipe for the garden.",
        "Fit a mesh lid against mosquitoes and leaves.",
        "One millimetre of rain on ten square metres of roof gives ten litres of water.",
    ),
    "solar_system": (
        "Jupiter is the largest planet of the solar system and has more than ninety known moons.",
        "Mars has the tallest volcano, Olympus Mons.",
        "Venus is the hottest planet because of its thick carbon dioxide atmosphere.",
    ),
    "fermentation": (
        "Sauerkraut is cabbage fermented in its own brine with about two percent salt by weight.",
        "Keep the cabbage under the brine to stop mould.",
        "Fermentation takes one to four weeks depending on temperature.",
    ),
    "bread_machine": (
        "A bread machine kneads, proves and bakes in one pan.",
        "Add liquids first and yeast last, so the yeast does not touch the water before the program starts.",
    ),
    "sailing_knots": (
        "The bowline makes a fixed loop at the end of a rope that does not slip and is easy to untie.",
        "A clove hitch fastens a rope to a post quickly.",
        "The reef knot joins two ends of the same rope around a sail.",
    ),
    "coffee_roasting": (
        "Green coffee beans turn yellow, then brown, and crack audibly at about 196 degrees.",
        "A light roast stops soon after the first crack; a dark roast goes to the second crack.",
        "Rest beans a day before brewing.",
    ),
    "mountain_weather": (
        "Temperature falls by about 6.5 degrees per 1000 metres of height.",
        "Afternoon thunderstorms are common in summer in the mountains, so start hikes early.",
    ),
    "piano_practice": (
        "Practise scales slowly with a metronome and raise the tempo only when every note is even.",
        "Short daily sessions beat one long weekly session.",
        "Play hands separately before hands together.",
    ),
    "aquarium": (
        "A new aquarium needs four to six weeks to grow the bacteria that turn ammonia into nitrate.",
        "Change a quarter of the water every week and do not overfeed the fish.",
    ),
    "cycling_history": (
        "The safety bicycle with two wheels of equal size and a chain drive appeared in the 1880s.",
        "Pneumatic tyres, patented by John Boyd Dunlop in 1888, made cycling far more comfortable.",
    ),
}


def product_page(rng: random.Random, product: str, category: str) -> str:
    slug = product.lower().replace(" ", "")
    values = {"p": product, "c": category, "slug": slug, "cli": slug[:4] + "ctl", "conf": f"/etc/{slug}/{slug}.conf"}
    values |= {"ram": rng.choice([1, 2, 4, 8]), "port": rng.randrange(3000, 9900)}
    values |= {"clients": rng.choice([64, 128, 512, 1024]), "days": rng.choice([7, 30, 60])}
    values |= {"code": f"E{rng.randrange(100, 999)}", "tokdays": rng.choice([30, 60, 180, 365])}
    values |= {"major": rng.randrange(1, 6), "minor": rng.randrange(0, 10), "feature": rng.choice(FEATURES)}
    values |= {"rate": rng.choice([60, 120, 300, 1000])}
    sentences = [s.format(**values) for s in PRODUCT_SENTENCES]
    rng.shuffle(sentences)
    body = "\n\n".join(" ".join(sentences[i : i + 3]) for i in range(0, len(sentences), 3))
    return f"# {product} administration guide\n\n{body}\n"


def main() -> None:
    rng = random.Random(19)
    for path in CORPUS.glob("noise_*"):
        path.unlink()
    for product, category in PRODUCTS:
        name = f"noise_{product.lower().replace(' ', '_')}.md"
        (CORPUS / name).write_text(product_page(rng, product, category), encoding="utf-8")
    for topic, sentences in TOPICS.items():
        title = topic.replace("_", " ").capitalize()
        (CORPUS / f"noise_{topic}.txt").write_text(f"{title}\n\n{' '.join(sentences)}\n", encoding="utf-8")
    print(f"{len(PRODUCTS) + len(TOPICS)} noise documents in {CORPUS}")


if __name__ == "__main__":
    main()
