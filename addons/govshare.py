"""Entry point for `mitmdump -s addons/govshare.py --mode reverse:http://127.0.0.1:9 [--set govshare_config=…]`.

The reverse target is a placeholder: the route stage sends every request to its catalogued provider.
"""

from addons.pipeline import pipeline

addons = pipeline()
