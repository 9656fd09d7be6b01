"""The ad providers a report can narrow to."""

from __future__ import annotations

from enum import StrEnum


class AdProvider(StrEnum):
    META_ADS = "meta_ads"
    GOOGLE_ADS = "google_ads"
