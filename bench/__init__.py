"""The benchmark: company-scale data, page and API timings beside the framework's floor, growth
from 1 % to 100 % of the data, background work and load over HTTP. Run it with ``bin/bench``."""
