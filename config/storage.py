"""Static files storage for DEBUG off: whitenoise's compressed, hashed files."""

from whitenoise.storage import CompressedManifestStaticFilesStorage


def _without_source_maps(patterns):
    """Django's URL-rewriting patterns minus the sourceMappingURL ones."""
    kept = []
    for glob, rules in patterns:
        rules = tuple(
            rule
            for rule in rules
            if "sourceMappingURL" not in (rule if isinstance(rule, str) else rule[0])
        )
        if rules:
            kept.append((glob, rules))
    return tuple(kept)


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    """Like whitenoise's storage, but it does not follow `sourceMappingURL` comments.

    The vendored libraries (gridstack, …) name source maps they do not ship; Django's storage
    would stop `collectstatic` on the first one (MissingFileError). Maps are a debugging aid;
    the browser only asks for them with its developer tools open.
    """

    patterns = _without_source_maps(CompressedManifestStaticFilesStorage.patterns)
