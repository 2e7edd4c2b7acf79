"""What every derivation object shares: its stage objects by name, and LaTeX from its steps."""

from __future__ import annotations

from typing import Any, ClassVar

__all__ = ["StagedDerivation"]


class StagedDerivation:
    """Mixin of the theories' derivation dataclasses (``derivations/<name>.py``).

    A subclass lists in ``STAGES`` the attribute names of the pipeline's stage objects (action,
    averaged action, collective action, saddle point, ...) in order, and has a ``steps`` list of
    (title, LaTeX rows); reports and notebooks read the kept stages instead of re-running the
    pipeline.
    """

    STAGES: ClassVar[tuple[str, ...]] = ()
    steps: list[tuple[str, str]]

    @property
    def stages(self) -> dict[str, Any]:
        """The pipeline's stage objects in order, by attribute name."""
        return {name: getattr(self, name) for name in self.STAGES}

    def latex(self) -> str:
        """The derivation as a LaTeX fragment (``align*`` blocks per step)."""
        out = []
        for title, body in self.steps:
            out.append(f"% {title}\n\\paragraph{{{title}}}\n\\begin{{align*}}\n{body}\n\\end{{align*}}")
        return "\n\n".join(out)
