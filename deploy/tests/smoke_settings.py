"""The smoke test's `collectstatic` only: production settings, with the manifest storage but
without whitenoise's compression. Compressing every file (gzip and brotli, originals and hashed
copies) takes minutes of CPU; the files, their hashed names and the manifest gunicorn reads are
otherwise the same. nginx then compresses on the fly (`gzip_types`) instead of `gzip_static`.
"""

from config.settings import *  # noqa: F403
from config.settings import STORAGES

STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
}
