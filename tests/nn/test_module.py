"""nn.Module: registration by assignment, traversal, parameter names, training flags, repr,
state_dict and save/load."""

import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import autograd as ag
import nn


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(np.ones(3))
        self.inner = nn.Linear(3, 2)
        self.shift = nn.Parameter(np.zeros(2))
        self.note = "not registered"

    def forward(self, x):
        return self.inner(x * self.scale) + self.shift


class Outer(nn.Module):
    def __init__(self):
        super().__init__()
        self.first = Block()
        self.head = nn.Linear(2, 1)
        self.gain = nn.Parameter(np.ones(1))

    def forward(self, x):
        return self.head(self.first(x)) * self.gain


EXPECTED_NAMES = [
    "gain",
    "first.scale",
    "first.shift",
    "first.inner.weight",
    "first.inner.bias",
    "head.weight",
    "head.bias",
]


def test_named_parameters_registration_order_and_dotted_names():
    model = Outer()
    assert [name for name, _ in model.named_parameters()] == EXPECTED_NAMES
    assert [p for p in model.parameters()] == [p for _, p in model.named_parameters()]
    assert [name for name, _ in model.named_parameters(recurse=False)] == ["gain"]
    assert "note" not in dict(model.named_parameters())


def test_modules_and_children():
    model = Outer()
    assert [name for name, _ in model.named_modules()] == ["", "first", "first.inner", "head"]
    assert list(model.modules())[0] is model
    assert list(model.children()) == [model.first, model.head]
    assert [name for name, _ in model.named_children()] == ["first", "head"]


def test_shared_parameters_and_modules_are_listed_once():
    layer = nn.Linear(2, 2)
    model = nn.Sequential(layer, nn.Sigmoid(), layer)
    assert len(list(model.parameters())) == 2
    assert len(list(model.modules())) == 3  # the Sequential, the shared Linear, the Sigmoid


def test_parameter_names_follow_the_outermost_module():
    model = Outer()
    assert [p.name for _, p in model.named_parameters()] == EXPECTED_NAMES
    wrapper = nn.Sequential(model)
    assert model.head.weight.name == "0.head.weight"
    mlp = nn.MLP([2, 3, 1])
    assert [p.name for p in mlp.parameters()] == [
        "layers.0.weight",
        "layers.0.bias",
        "layers.2.weight",
        "layers.2.bias",
    ]
    assert wrapper[0] is model


def test_parameter_names_update_when_built_top_down():
    model = nn.Module()
    model.layers = nn.Sequential()
    model.layers.append(nn.Linear(2, 2))  # appended after `layers` was registered in `model`
    assert model.layers[0].weight.name == "layers.0.weight"
    model.layers[0].weight = nn.Parameter(np.zeros((2, 2)))
    assert model.layers[0].weight.name == "layers.0.weight"


def test_user_names_are_kept():
    model = nn.Module()
    model.w = nn.Parameter(np.zeros(2), name="my weight")
    model.v = nn.Parameter(np.zeros(2))
    model.v.name = "chosen later"
    nn.Sequential(model)
    assert (model.w.name, model.v.name) == ("my weight", "chosen later")


def test_assigning_a_plain_value_to_a_parameter_is_an_error():
    layer = nn.Linear(2, 2)
    with pytest.raises(TypeError, match="weight.*Parameter"):
        layer.weight = layer.weight * 2
    layer.bias = None  # switching a parameter off is allowed
    assert [name for name, _ in layer.named_parameters()] == ["weight"]


def test_reassigning_and_deleting_update_registration():
    model = nn.Module()
    model.a = nn.Parameter(np.zeros(1))
    model.b = nn.Linear(1, 1)
    model.a = nn.Linear(1, 1)  # a parameter name becomes a module
    del model.b
    assert [name for name, _ in model.named_parameters()] == ["a.weight", "a.bias"]


def test_forgetting_super_init_is_a_clear_error():
    class Broken(nn.Module):
        def __init__(self):
            self.weight = nn.Parameter(np.zeros(1))

    with pytest.raises(AttributeError, match=r"super\(\).__init__\(\)"):
        Broken()


def test_forward_must_be_defined():
    with pytest.raises(NotImplementedError, match="forward"):
        nn.Module()(1.0)


def test_zero_grad_clears_every_parameter():
    model = Outer()
    model(np.ones((4, 3))).sum().backward()
    assert all(p.grad is not None for p in model.parameters())
    model.zero_grad(set_to_none=False)
    assert all(np.all(p.grad.data == 0) for p in model.parameters())
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())


def test_train_and_eval_reach_every_module():
    model = Outer()
    assert model.eval() is model
    assert not any(m.training for m in model.modules())
    model.train()
    assert all(m.training for m in model.modules())


def test_repr_is_a_tree_of_layers():
    expected = textwrap.dedent(
        """\
        MLP(
          (layers): Sequential(
            (0): Linear(in_features=2, out_features=4, bias=True)
            (1): Sigmoid()
            (2): Linear(in_features=4, out_features=1, bias=False)
            (3): LeakyReLU(negative_slope=0.01)
          )
        )"""
    )
    model = nn.MLP([2, 4, 1], output_activation="leaky_relu")
    model.layers[2].bias = None
    assert repr(model) == expected


def test_state_dict_is_a_copy_with_dotted_names():
    model = Outer()
    state = model.state_dict()
    assert list(state) == EXPECTED_NAMES
    state["gain"][...] = 5.0
    assert model.gain.data[0] == 1.0


def test_load_state_dict_round_trip_in_place(rng):
    source, target = Outer(), Outer()
    weight_array = target.head.weight.data
    target.load_state_dict(source.state_dict())
    for (_, a), (_, b) in zip(source.named_parameters(), target.named_parameters()):
        np.testing.assert_array_equal(a.data, b.data)
    assert target.head.weight.data is weight_array  # optimizers keep their references
    target.load_state_dict({name: ag.Tensor(value) for name, value in source.state_dict().items()})


def test_load_state_dict_reports_missing_unexpected_and_wrong_shapes_by_name():
    model = Outer()
    state = model.state_dict()
    del state["head.bias"]
    state["head.extra"] = np.zeros(1)
    state["first.scale"] = np.zeros(4)
    with pytest.raises(RuntimeError) as info:
        model.load_state_dict(state)
    message = str(info.value)
    assert "missing keys: head.bias" in message
    assert "unexpected keys: head.extra" in message
    assert "first.scale: saved (4,), model (3,)" in message


def test_load_state_dict_non_strict_returns_the_mismatches():
    model = Outer()
    state = model.state_dict()
    del state["gain"]
    state["other"] = np.zeros(1)
    result = model.load_state_dict(state, strict=False)
    assert (result.missing_keys, result.unexpected_keys) == (["gain"], ["other"])
    state["first.scale"] = np.zeros(2)
    with pytest.raises(RuntimeError, match="first.scale"):
        model.load_state_dict(state, strict=False)  # a wrong shape is never ignored


def test_save_and_load_npz(tmp_path):
    source, target = nn.MLP([2, 4, 4, 1]), nn.MLP([2, 4, 4, 1])
    path = tmp_path / "model.weights"
    source.save(path)
    assert path.exists() and list(tmp_path.iterdir()) == [path]  # exactly the path given
    assert target.load(path) is target
    x = np.random.default_rng(0).standard_normal((5, 2))
    np.testing.assert_array_equal(source(x).data, target(x).data)
    with pytest.raises(RuntimeError, match="missing keys"):
        nn.MLP([2, 4, 4, 4, 1]).load(path)


def test_load_refuses_pickled_objects(tmp_path):
    path = tmp_path / "evil.npz"
    np.savez(path, **{"layers.0.weight": np.array([object()], dtype=object)})
    with pytest.raises(ValueError, match="is not an npgrad .npz file") as info:
        nn.MLP([2, 1]).load(path)
    assert "pickle" not in str(info.value).replace(str(path), "")  # never suggests an unsafe load


@pytest.mark.parametrize(
    "content",
    [b"hello, I am a text file\n", b"", b"\x80\x04K\x01.", b"PK\x03\x04 a broken zip"],
    ids=["text", "empty", "pickle", "broken-zip"],
)
def test_load_of_a_file_that_is_not_an_npz_says_so(tmp_path, content):
    """Issue 11 item 17: never suggest allow_pickle; say what the file is not."""
    path = tmp_path / "model.npz"
    path.write_bytes(content)
    model = nn.MLP([2, 1])
    before = model.state_dict()
    with pytest.raises(ValueError) as info:
        model.load(path)
    message = str(info.value)
    assert f"{str(path)!r} is not an npgrad .npz file" in message and "MLP.load" in message
    assert "pickle" not in message.replace(str(path), "")
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(value, before[name])


def test_load_of_a_single_npy_array_says_it_is_not_an_npz(tmp_path):
    path = tmp_path / "weights.npy"
    np.save(path, np.zeros(3))
    with pytest.raises(ValueError, match="is not an npgrad .npz file"):
        nn.MLP([2, 1]).load(path)


def test_load_of_a_missing_file_names_it(tmp_path):
    with pytest.raises(FileNotFoundError, match="nothing.npz"):
        nn.MLP([2, 1]).load(tmp_path / "nothing.npz")


def _saved_then_fail_while_saving(tmp_path, monkeypatch, make_it_fail):
    """Save a good file, then save again with `make_it_fail` applied: return the path and the
    bytes of the good file."""
    path = tmp_path / "model.npz"
    nn.MLP([2, 3, 1]).save(path)
    good = path.read_bytes()
    model = nn.MLP([2, 3, 1])
    make_it_fail(model, monkeypatch)
    return path, good, model


def test_save_is_atomic_when_building_the_state_raises(tmp_path, monkeypatch):
    """Issue 11 item 12: an exception while the state is built leaves the previous file intact."""

    def broken_state_dict():
        raise MemoryError("out of memory while copying the parameters")

    def make_it_fail(model, monkeypatch):
        monkeypatch.setattr(model, "state_dict", broken_state_dict)

    path, good, model = _saved_then_fail_while_saving(tmp_path, monkeypatch, make_it_fail)
    with pytest.raises(MemoryError):
        model.save(path)
    assert path.read_bytes() == good
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left behind


def test_save_is_atomic_when_interrupted_while_writing(tmp_path, monkeypatch):
    """Ctrl-C half way through writing the archive: the previous file is intact, no temp file left."""

    def half_written_savez(file, **arrays):
        file.write(b"PK\x03\x04 half an archive")
        raise KeyboardInterrupt

    def make_it_fail(model, monkeypatch):
        monkeypatch.setattr(np, "savez", half_written_savez)

    path, good, model = _saved_then_fail_while_saving(tmp_path, monkeypatch, make_it_fail)
    with pytest.raises(KeyboardInterrupt):
        model.save(path)
    assert path.read_bytes() == good
    assert list(tmp_path.iterdir()) == [path]
    monkeypatch.undo()
    restored = nn.MLP([2, 3, 1]).load(path)
    reference = nn.MLP([2, 3, 1])
    reference.load_state_dict(dict(np.load(path)))
    for name, value in restored.state_dict().items():
        np.testing.assert_array_equal(value, reference.state_dict()[name])


def test_save_replaces_an_existing_file_and_keeps_the_exact_path(tmp_path):
    path = tmp_path / "model"  # no extension: still exactly this path
    path.write_bytes(b"old")
    source = nn.MLP([2, 3, 1])
    source.save(path)
    assert list(tmp_path.iterdir()) == [path]
    target = nn.MLP([2, 3, 1]).load(path)
    for name, value in target.state_dict().items():
        np.testing.assert_array_equal(value, source.state_dict()[name])


def test_save_into_a_missing_folder_names_the_target(tmp_path):
    target = tmp_path / "missing_dir" / "model.npz"
    with pytest.raises(FileNotFoundError) as info:
        nn.MLP([2, 1]).save(target)
    assert str(target) in str(info.value) and ".tmp" not in str(info.value)


@pytest.mark.parametrize(
    ("bad_key", "bad_value", "expected"),
    [
        ("head.bias", np.array([1j]), "head.bias: saved complex128, model float64"),
        ("head.bias", np.array(["x"]), "head.bias: saved <U1, model float64"),
        ("head.bias", np.zeros((1, 1)), "head.bias: saved (1, 1), model (1,)"),
        ("head.nothing", np.zeros(1), "unexpected keys: head.nothing"),
    ],
    ids=["complex", "string", "shape", "name"],
)
def test_load_state_dict_validates_every_entry_before_changing_any(bad_key, bad_value, expected):
    """Issue 11 item 13: a bad last entry leaves the earlier parameters as they were."""
    model = Outer()
    before = model.state_dict()
    state = {name: value + 1.0 for name, value in before.items()}  # every entry would change a parameter
    state[bad_key] = bad_value  # the last key in the model's order (or an extra one)
    assert list(state)[-1] == bad_key or bad_key not in before
    with pytest.raises(RuntimeError) as info:
        model.load_state_dict(state)
    assert expected in str(info.value)
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(value, before[name], err_msg=name)


def test_load_state_dict_casts_within_a_kind_and_refuses_across_kinds():
    model = nn.Linear(2, 1)
    model.load_state_dict({"weight": np.array([[1.0, 2.0]], dtype=np.float32), "bias": np.array([3])})
    assert model.weight.dtype == np.float64 and model.bias.data.tolist() == [3.0]
    with pytest.raises(RuntimeError, match="bias: saved complex64, model float64"):
        model.load_state_dict({"weight": np.zeros((1, 2)), "bias": np.zeros(1, dtype=np.complex64)}, strict=False)


def test_load_state_dict_refuses_a_same_size_different_shape_array():
    """(3,) into a (1, 3) parameter: the same size is not the same shape (planted bug: size !=)."""
    model = nn.Linear(3, 1)  # weight (1, 3)
    with pytest.raises(RuntimeError, match=r"weight: saved \(3,\), model \(1, 3\)"):
        model.load_state_dict({"weight": np.ones(3), "bias": np.zeros(1)})
    assert not np.any(model.weight.data == 1.0)


def test_named_parameters_order_is_stable_across_hash_seeds():
    script = textwrap.dedent(
        """
        import numpy as np, nn
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                for name in ["zeta", "alpha", "mid", "beta", "omega", "k9", "a1"]:
                    setattr(self, name, nn.Parameter(np.zeros(1)))
                self.body = nn.MLP([2, 3, 3, 1])
        print(",".join(name for name, _ in Net().named_parameters()))
        """
    )
    root = Path(__file__).resolve().parents[2]
    outputs = []
    for seed in ("1", "987654"):
        result = subprocess.run(
            [sys.executable, "-c", script],
            cwd=root,
            env={"PYTHONHASHSEED": seed, "PATH": "", "PYTHONPATH": str(root)},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        outputs.append(result.stdout.strip())
    assert outputs[0] == outputs[1]
    assert outputs[0].split(",")[:7] == ["zeta", "alpha", "mid", "beta", "omega", "k9", "a1"]
    assert outputs[0].split(",")[7] == "body.layers.0.weight"


def test_parameter_is_a_leaf_tensor_that_requires_grad():
    param = nn.Parameter([1, 2, 3])
    assert isinstance(param, ag.Tensor) and param.requires_grad and param.is_leaf
    assert param.dtype == np.float64
    assert repr(param).startswith("Parameter containing:")
    with pytest.raises(TypeError):
        nn.Parameter(np.array([1, 2, 3]))  # integer arrays cannot require grad


def test_deepcopy_and_pickle_give_independent_models_with_names(rng):
    import copy
    import pickle

    model = nn.MLP([2, 3, 1])
    for clone in (copy.deepcopy(model), pickle.loads(pickle.dumps(model))):
        assert [p.name for p in clone.parameters()] == [p.name for p in model.parameters()]
        assert isinstance(clone.layers[0].weight, nn.Parameter)
        x = rng.standard_normal((4, 2))
        np.testing.assert_array_equal(clone(x).data, model(x).data)
        clone.layers[0].weight.data += 1.0
        assert not np.array_equal(clone.layers[0].weight.data, model.layers[0].weight.data)
        clone.layers.append(nn.Linear(1, 1))  # registration inside the copy renames the copy only
        assert clone.layers[4].weight.name == "layers.4.weight"
        assert clone.layers[0]._root() is clone


def test_slicing_a_sequential_does_not_rename_its_layers():
    model = nn.MLP([2, 3, 1])
    head = model.layers[:2]
    assert [name for name, _ in head.named_parameters()] == ["0.weight", "0.bias"]
    assert model.layers[0].weight.name == "layers.0.weight"
