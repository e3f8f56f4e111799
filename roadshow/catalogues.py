"""Flask-Babel, taught to find the ``zh_CN`` catalogue for Babel's ``zh_Hans_CN`` locale.

Babel spells Chinese (China) with its script, so gettext would look for a ``zh_Hans_CN`` folder;
the catalogues keep the usual names ``zh_CN`` and ``en``.
"""
from __future__ import annotations

from functools import cached_property

from babel import support
from flask_babel import Babel, Domain, get_locale


def catalogue_name(locale) -> str:
    return "en" if locale.language == "en" else "zh_CN"


class CatalogueDomain(Domain):
    """Loads the catalogue named by :func:`catalogue_name` when Babel's own name finds none."""

    def get_translations(self):
        locale = get_locale()
        if locale is None:
            return support.NullTranslations()
        key = (str(locale), self.domain[0])
        if key not in self.cache:
            names = [str(locale), catalogue_name(locale)]
            translations = support.Translations()
            for dirname in self.translation_directories:
                catalog = support.Translations.load(dirname, names, self.domain[0])
                translations.merge(catalog)
                if hasattr(catalog, "plural"):
                    translations.plural = catalog.plural
            self.cache[key] = translations
        return self.cache[key]


class CatalogueBabel(Babel):
    @cached_property
    def domain_instance(self):
        return CatalogueDomain(domain=self.domain)
