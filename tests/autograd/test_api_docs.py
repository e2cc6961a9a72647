"""help() on the public API: every public name of `autograd` and `nn`, every public Tensor
method and operator, has its own docstring (and the ops their own signature, not `apply(*args)`)."""

from __future__ import annotations

import inspect
import pydoc
import types

import pytest

import autograd as ag
import nn
from autograd.function import Function

GENERIC_APPLY_DOC = Function.apply.__doc__


def _defined_in_npgrad(obj: object) -> bool:
    module = getattr(obj, "__module__", None) or ""
    return module.split(".")[0] in ("autograd", "nn")


def _members(cls: type) -> dict[str, object]:
    """The public methods and properties `cls` itself defines (inherited ones are checked where
    they are defined), with the ops bound to it as operators (`Tensor.__add__ = Add.apply`)."""
    found = {}
    for name, value in vars(cls).items():
        public = not name.startswith("_") or (name.startswith("__") and _is_op(value))
        if public and (inspect.isfunction(value) or isinstance(value, (property, staticmethod, classmethod))):
            found[name] = value
    return found


def _is_op(value: object) -> bool:
    return inspect.isfunction(value) and value.__qualname__.endswith(".apply")


def _docstring(value: object) -> str | None:
    if isinstance(value, (staticmethod, classmethod)):
        value = value.__func__
    if isinstance(value, property):
        value = value.fget
    doc = inspect.getdoc(value)
    generic = doc == GENERIC_APPLY_DOC and value is not Function.apply  # an op that kept the base's text
    return None if doc is None or generic else doc


def public_api() -> dict[str, object]:
    """Qualified name -> object for everything a user can reach by the documented names."""
    api: dict[str, object] = {}
    seen: set[int] = set()

    def visit(prefix: str, obj: object) -> None:
        if id(obj) in seen and not isinstance(obj, types.ModuleType):
            return
        seen.add(id(obj))
        if isinstance(obj, types.ModuleType):
            api[prefix] = obj
            for name in getattr(obj, "__all__", []):
                visit(f"{prefix}.{name}", getattr(obj, name))
        elif inspect.isclass(obj):
            api[prefix] = obj
            if _defined_in_npgrad(obj):
                for name, member in _members(obj).items():
                    api[f"{prefix}.{name}"] = member
        elif callable(obj):
            api[prefix] = obj

    visit("autograd", ag)
    visit("nn", nn)
    visit("autograd.Tensor", ag.Tensor)
    return api


API = public_api()
# Framework hooks a subclass writes: their docstring is in the class's.
OVERRIDDEN_BY_USERS = {"forward", "backward", "update", "get_lr", "extra_repr"}


def test_the_walk_covers_the_api():
    expected = [
        "autograd.Tensor.argmax", "autograd.Tensor.exp", "autograd.Tensor.__add__", "autograd.softmax",
        "nn.optim.lr_scheduler.LRScheduler.step", "nn.Linear", "nn.functional.mse_loss", "nn.data.DataLoader",
    ]  # fmt: skip
    for name in expected:
        assert name in API, name
    assert len(API) > 240, len(API)


def test_every_public_name_has_a_docstring():
    missing = sorted(
        name for name, obj in API.items() if name.rsplit(".", 1)[-1] not in OVERRIDDEN_BY_USERS and not _docstring(obj)
    )
    assert not missing, f"{len(missing)} public names without a docstring:\n" + "\n".join(missing)


def test_ops_show_their_own_signature_and_docstring():
    ops = {name: obj for name, obj in API.items() if _is_op(obj)}
    assert len(ops) >= 18  # the operators and methods bound to an op's apply
    for name, apply in ops.items():
        parameters = list(inspect.signature(apply).parameters.values())
        assert [p.kind for p in parameters] != [inspect.Parameter.VAR_POSITIONAL], f"{name} shows apply(*args)"
        assert parameters[0].name != "ctx", name


def test_help_shows_no_source_comments_and_the_op():
    text = pydoc.render_doc(ag.Tensor, renderer=pydoc.plaintext)
    assert "# ---" not in text
    assert "exp = apply(x)" in text
    assert "Run the op on" not in text
    clip = pydoc.render_doc(ag.Tensor.clip, renderer=pydoc.plaintext)
    assert "#" not in clip


@pytest.mark.parametrize("planted", ["docstring", "signature"])
def test_the_checks_catch_a_planted_gap(planted, monkeypatch):
    """The checks above can fail: an op without a docstring, or showing apply(*args)."""

    class Undocumented(Function):
        @staticmethod
        def forward(ctx, x):
            return x

    if planted == "docstring":
        assert _docstring(Undocumented.apply) is None
    else:
        monkeypatch.delattr(Undocumented.apply, "__signature__")
        monkeypatch.setattr(Undocumented.apply, "__wrapped__", lambda *args: None, raising=False)
        kinds = [p.kind for p in inspect.signature(Undocumented.apply).parameters.values()]
        assert kinds == [inspect.Parameter.VAR_POSITIONAL]
