"""govshare's presidio recognizers for Chinese government data, one module per entity.

Each is a presidio `PatternRecognizer` (GovPatternRecognizer: no regex timeout; PATTERNS, CONTEXT, checksums in
validate_result) for language "zh". `build_recognizers()` makes one fresh instance of each.
"""

from __future__ import annotations

from collections.abc import Iterable

from presidio_analyzer import EntityRecognizer

from .cn_address import CnAddressRecognizer
from .cn_bank_card import CnBankCardRecognizer
from .cn_id_card import CnIdCardRecognizer
from .cn_landline import CnLandlineRecognizer
from .cn_license_plate import CnLicensePlateRecognizer
from .cn_mobile import CnMobileRecognizer
from .cn_organization import CnOrganizationRecognizer
from .cn_passport import CnPassportRecognizer
from .cn_person import CnPersonRecognizer
from .cn_social_security import CnSocialSecurityRecognizer
from .cn_uscc import CnUsccRecognizer
from .cn_vin import CnVinRecognizer
from .email import EmailRecognizer
from .ip_address import IpRecognizer
from .mac_address import MacAddressRecognizer
from .trade_secret import TradeSecretRecognizer

RECOGNIZER_CLASSES: dict[str, type[EntityRecognizer]] = {
    "ORGANIZATION": CnOrganizationRecognizer,
    "CN_ID_CARD": CnIdCardRecognizer,
    "CN_MOBILE": CnMobileRecognizer,
    "CN_LANDLINE": CnLandlineRecognizer,
    "CN_BANK_CARD": CnBankCardRecognizer,
    "CN_USCC": CnUsccRecognizer,
    "CN_PASSPORT": CnPassportRecognizer,
    "CN_SOCIAL_SECURITY": CnSocialSecurityRecognizer,
    "CN_LICENSE_PLATE": CnLicensePlateRecognizer,
    "EMAIL_ADDRESS": EmailRecognizer,
    "IP_ADDRESS": IpRecognizer,
    "CN_VIN": CnVinRecognizer,
    "MAC_ADDRESS": MacAddressRecognizer,
    "PERSON": CnPersonRecognizer,
    "CN_ADDRESS": CnAddressRecognizer,
    "TRADE_SECRET": TradeSecretRecognizer,
}

SUPPORTED_ENTITIES: tuple[str, ...] = tuple(RECOGNIZER_CLASSES)


def build_recognizers(entities: Iterable[str] | None = None) -> list[EntityRecognizer]:
    """One recognizer per requested entity (all of them by default); unknown entities raise ValueError."""
    wanted = list(SUPPORTED_ENTITIES if entities is None else dict.fromkeys(entities))
    unknown = [entity for entity in wanted if entity not in RECOGNIZER_CLASSES]
    if unknown:
        raise ValueError(f"no recognizer for entities: {', '.join(sorted(unknown))}")
    return [RECOGNIZER_CLASSES[entity]() for entity in wanted]


__all__ = [
    "RECOGNIZER_CLASSES", "SUPPORTED_ENTITIES", "build_recognizers",
    "CnAddressRecognizer", "CnBankCardRecognizer", "CnIdCardRecognizer", "CnLandlineRecognizer",
    "CnLicensePlateRecognizer", "CnMobileRecognizer", "CnOrganizationRecognizer", "CnPassportRecognizer", "CnPersonRecognizer",
    "CnSocialSecurityRecognizer",
    "CnUsccRecognizer", "CnVinRecognizer", "EmailRecognizer", "IpRecognizer", "MacAddressRecognizer", "TradeSecretRecognizer",
]
