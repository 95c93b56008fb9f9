"""The corpus module's checks get pytest's assertion messages too."""

import pytest

pytest.register_assert_rewrite("hostile.corpus", "hostile.corpus_kit")
