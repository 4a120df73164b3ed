"""matome-crawl: Hacker News threads to dated Japanese matome posts."""

from matome_crawl.resources import install_aliases

__version__ = "0.1.0"

# Installed from a wheel or an egg, `db` and `pipelines` live under this package.
install_aliases()
