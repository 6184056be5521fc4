"""Background sentences on unrelated topics: the comparison pool of the relevance decision's `standout` for
knowledge bases with fewer chunks than relevance.POOL (embedded once per embedder and process)."""

import threading

import numpy as np

SENTENCES = (
    "Water boils at one hundred degrees Celsius at sea level.",
    "The recipe needs two cups of flour, one egg and a pinch of salt.",
    "Our team meets every Monday morning to plan the week.",
    "The train to the airport leaves from platform four every twenty minutes.",
    "Tomatoes grow best in full sun with regular watering.",
    "The museum is closed on public holidays.",
    "Please return library books within three weeks.",
    "The football match ended in a draw after extra time.",
    "A healthy adult should sleep seven to nine hours a night.",
    "The invoice is due thirty days after the delivery date.",
    "Mount Everest is the highest mountain above sea level.",
    "The cat sleeps on the windowsill in the afternoon sun.",
    "Replace the air filter of the car every fifteen thousand kilometres.",
    "The concert starts at eight and doors open an hour earlier.",
    "Employees may work from home two days a week.",
    "The bakery sells fresh bread until noon.",
    "Photosynthesis turns light, water and carbon dioxide into sugar.",
    "The hotel offers free breakfast and late checkout for members.",
    "Children under twelve travel at half price.",
    "The river floods the valley almost every spring.",
    "Wear a helmet when you ride a bicycle in the city.",
    "The painting was restored after the fire in the old chapel.",
    "Our office moved to the third floor of the north building.",
    "Drink plenty of water during a long hike in the summer.",
    "The election results will be announced tomorrow evening.",
    "A violin has four strings tuned in fifths.",
    "The garden party was cancelled because of heavy rain.",
    "Coffee beans are roasted before they are ground.",
    "The marathon route passes through the old town and along the harbour.",
    "Vaccines train the immune system to recognise a virus.",
    "The spreadsheet lists monthly sales by region.",
    "Birds migrate south before the winter begins.",
    "The printer on the second floor is out of toner.",
    "A balanced diet includes vegetables, grains and protein.",
    "The school year starts in early September.",
    "The bridge was built in the nineteenth century from iron and stone.",
    "Remember to water the plants while we are on holiday.",
    "The chess tournament lasted three days.",
    "The dentist recommends brushing twice a day.",
    "Interest rates rose for the third time this year.",
    "The novel tells the story of a family over three generations.",
    "Snow chains are required on the mountain pass in winter.",
    "The kitchen renovation took longer than planned.",
    "Pandas eat bamboo for most of the day.",
    "The meeting minutes are shared by email after each session.",
    "Solar panels produce less electricity on cloudy days.",
    "The restaurant is fully booked on Saturday evenings.",
    "Stretch for a few minutes before you start running.",
    "The lighthouse guided ships along the rocky coast.",
    "Shipping is free for orders over fifty euros.",
    "The orchestra rehearses on Thursday nights.",
    "Keep medicines out of the reach of children.",
    "The volcano last erupted more than two hundred years ago.",
    "The quarterly report shows a small increase in revenue.",
    "Fresh fish should be eaten within two days.",
    "The hiking trail is marked with red and white signs.",
    "The city council approved a new park near the station.",
    "Honey never spoils if it is stored in a sealed jar.",
    "The flight was delayed because of fog.",
    "Knitting a scarf takes about a week of evenings.",
)

_vectors: dict[str, np.ndarray] = {}
_lock = threading.Lock()


def background_vectors(embedder) -> np.ndarray:
    """SENTENCES embedded by `embedder` (as passages), cached per model name."""
    with _lock:
        if embedder.model_name not in _vectors:
            _vectors[embedder.model_name] = embedder.encode(list(SENTENCES))
        return _vectors[embedder.model_name]
