"""services.fhir is plain Python: importing it pulls in neither Flask nor the web layer."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_services_fhir_imports_neither_flask_nor_citizen():
    code = ("import sys, services.fhir.bindings, services.fhir.questionnaire\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('flask', 'citizen')))")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, check=True, timeout=60)
    assert result.stdout.strip() == "[]"
