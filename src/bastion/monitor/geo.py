"""Country centroids (approximate, degrees) and great-circle distance, for impossible travel.

A centroid is coarse on purpose: GeoIP places a request in a country, not a city, so the distance
between two countries is only a lower-bound-ish estimate. Neighbours closer than
``MonitorSettings.travel_min_km`` never count as travel.
"""

from __future__ import annotations

import math

CENTROIDS: dict[str, tuple[float, float]] = {
    "US": (39.8, -98.6), "CA": (56.1, -106.3), "MX": (23.6, -102.5), "BR": (-14.2, -51.9), "AR": (-38.4, -63.6),
    "CL": (-35.7, -71.5), "CO": (4.6, -74.3), "PE": (-9.2, -75.0), "VE": (6.4, -66.6), "CU": (21.5, -77.8),
    "GB": (55.4, -3.4), "IE": (53.4, -8.2), "FR": (46.2, 2.2), "DE": (51.2, 10.5), "NL": (52.1, 5.3),
    "BE": (50.5, 4.5), "CH": (46.8, 8.2), "AT": (47.5, 14.6), "IT": (41.9, 12.6), "ES": (40.5, -3.7),
    "PT": (39.4, -8.2), "SE": (60.1, 18.6), "NO": (60.5, 8.5), "FI": (61.9, 25.7), "DK": (56.3, 9.5),
    "PL": (51.9, 19.1), "CZ": (49.8, 15.5), "HU": (47.2, 19.5), "RO": (45.9, 25.0), "BG": (42.7, 25.5),
    "GR": (39.1, 21.8), "UA": (48.4, 31.2), "BY": (53.7, 28.0), "RU": (61.5, 105.3), "TR": (39.0, 35.2),
    "IL": (31.0, 34.9), "IR": (32.4, 53.7), "IQ": (33.2, 43.7), "SA": (23.9, 45.1), "AE": (23.4, 53.8),
    "QA": (25.4, 51.2), "EG": (26.8, 30.8), "SY": (34.8, 39.0), "PK": (30.4, 69.3), "IN": (20.6, 79.0),
    "BD": (23.7, 90.4), "CN": (35.9, 104.2), "HK": (22.3, 114.2), "TW": (23.7, 121.0), "KP": (40.3, 127.5),
    "KR": (35.9, 127.8), "JP": (36.2, 138.3), "VN": (14.1, 108.3), "TH": (15.9, 101.0), "MY": (4.2, 102.0),
    "SG": (1.35, 103.8), "ID": (-0.8, 113.9), "PH": (12.9, 121.8), "AU": (-25.3, 133.8), "NZ": (-40.9, 174.9),
    "ZA": (-30.6, 22.9), "NG": (9.1, 8.7), "KE": (-0.02, 37.9), "ET": (9.1, 40.5), "MA": (31.8, -7.1),
    "DZ": (28.0, 1.7), "KZ": (48.0, 66.9), "UZ": (41.4, 64.6), "GE": (42.3, 43.4), "AM": (40.1, 45.0),
    "AZ": (40.1, 47.6), "EE": (58.6, 25.0), "LV": (56.9, 24.6), "LT": (55.2, 23.9), "RS": (44.0, 21.0),
    "HR": (45.1, 15.2), "SK": (48.7, 19.7), "SI": (46.2, 14.995), "LU": (49.8, 6.1), "IS": (64.96, -19.0),
}

_EARTH_KM = 6371.0


def distance_km(a: str, b: str) -> float | None:
    """Great-circle distance between two countries' centroids; None when either is unknown."""
    pa, pb = CENTROIDS.get(a), CENTROIDS.get(b)
    if pa is None or pb is None:
        return None
    lat1, lon1, lat2, lon2 = map(math.radians, (*pa, *pb))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * _EARTH_KM * math.asin(min(1.0, math.sqrt(h)))
