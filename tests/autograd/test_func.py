"""`autograd.func`: every transform against central differences in float64, nested to the sixth
order, shapes of jacobians and hessians, has_aux, argnums, the errors, and that no caller's graph
or `.grad` is touched. The checkers are shown to catch planted bugs at the end of the file."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd as ag
from autograd import func

RNG = np.random.default_rng(14)
A = RNG.normal(size=(3, 4))  # a non-square matrix: a transposed Jacobian cannot pass


def value(t: Any) -> np.ndarray:
    return np.asarray(t.data if isinstance(t, ag.Tensor) else t, dtype=np.float64)


def numeric_jacobian(fn: Callable[[np.ndarray], Any], x: Any, eps: float = 1e-6) -> np.ndarray:
    """d fn(x) / dx by central differences, of shape fn(x).shape + x.shape (fn maps an ndarray)."""
    x = np.array(x, dtype=np.float64)
    jac = np.zeros(value(fn(x)).shape + x.shape)
    for index in np.ndindex(x.shape):
        step = np.zeros_like(x)
        step[index] = eps
        jac[(...,) + index] = (value(fn(x + step)) - value(fn(x - step))) / (2 * eps)
    return jac


def assert_close(actual: Any, expected: Any, atol: float = 1e-6) -> None:
    actual, expected = value(actual), value(expected)
    assert actual.shape == expected.shape, f"shape {actual.shape} != {expected.shape}"
    np.testing.assert_allclose(actual, expected, rtol=1e-5, atol=atol)


def f_scalar(x: ag.Tensor) -> ag.Tensor:
    return ((A @ x.sin()) ** 2).sum() + (x * x.exp()).sum()


def f_vector(x: ag.Tensor) -> ag.Tensor:
    return (A @ x).tanh() * (A @ x**2)  # R^4 -> R^3


def f_two(x: ag.Tensor, y: ag.Tensor) -> ag.Tensor:
    return ((A @ x) * ag.sin(y)).sum() * (x**2).sum()  # x in R^4, y in R^3: a non-symmetric mixed block


X = RNG.normal(size=4)
Y = RNG.normal(size=3)


def on_arrays(fn: Callable[..., Any]) -> Callable[..., Any]:
    return lambda *arrays: fn(*[ag.Tensor(a) for a in arrays])


# ---------------------------------------------------------------- checkers, used below and shown to catch bugs
def check_grad(grad_fn: Callable = func.grad) -> None:
    assert_close(grad_fn(f_scalar)(X), numeric_jacobian(on_arrays(f_scalar), X))


def f_square(x: ag.Tensor) -> ag.Tensor:
    return (A.T @ (A @ x).tanh()) * x  # R^4 -> R^4 with a non-symmetric Jacobian


def check_jvp(jvp_fn: Callable = func.jvp) -> None:
    v = RNG.normal(size=4)
    for fn in (f_square, f_vector):
        out, tangent = jvp_fn(fn, (X,), (v,))
        assert_close(out, fn(ag.Tensor(X)))
        assert_close(tangent, numeric_jacobian(on_arrays(fn), X) @ v)


def check_vjp(vjp_fn: Callable = func.vjp) -> None:
    u = RNG.normal(size=3)
    out, pull_back = vjp_fn(f_vector, X)
    (cotangent_in,) = pull_back(u)
    assert_close(out, f_vector(ag.Tensor(X)))
    assert_close(cotangent_in, u @ numeric_jacobian(on_arrays(f_vector), X))


def check_mixed_hessian(hessian_fn: Callable = func.hessian) -> None:
    (h_xx, h_xy), (h_yx, h_yy) = hessian_fn(f_two, argnums=(0, 1))(X, Y)
    grad_x = lambda x, y: func.grad(f_two, argnums=0)(x, y)  # noqa: E731
    grad_y = lambda x, y: func.grad(f_two, argnums=1)(x, y)  # noqa: E731
    assert_close(h_xx, numeric_jacobian(lambda x: grad_x(x, Y), X))
    assert_close(h_xy, numeric_jacobian(lambda y: grad_x(X, y), Y))  # d/dy (df/dx): shape x.shape + y.shape
    assert_close(h_yx, numeric_jacobian(lambda x: grad_y(x, Y), X))
    assert_close(h_yy, numeric_jacobian(lambda y: grad_y(X, y), Y))


# ---------------------------------------------------------------- each transform against finite differences
def test_grad_matches_finite_differences() -> None:
    check_grad()


def test_grad_of_each_argument_and_of_a_tuple_of_them() -> None:
    gx, gy = func.grad(f_two, argnums=(0, 1))(X, Y)
    assert_close(gx, numeric_jacobian(lambda x: f_two(ag.Tensor(x), ag.Tensor(Y)), X))
    assert_close(gy, numeric_jacobian(lambda y: f_two(ag.Tensor(X), ag.Tensor(y)), Y))
    assert_close(func.grad(f_two, argnums=1)(X, Y), gy)
    assert_close(func.grad(f_two, argnums=-1)(X, Y), gy)
    (only_y,) = func.grad(f_two, argnums=(1,))(X, Y)
    assert_close(only_y, gy)


def test_value_and_grad() -> None:
    val, g = func.value_and_grad(f_scalar)(X)
    assert_close(val, f_scalar(ag.Tensor(X)))
    assert_close(g, func.grad(f_scalar)(X))


def test_vjp_matches_finite_differences() -> None:
    check_vjp()


def test_vjp_fn_may_be_called_again_and_returns_one_gradient_per_primal() -> None:
    out, pull_back = func.vjp(lambda x, y: (A @ x) * y, X, Y)
    u = RNG.normal(size=3)
    first, second = pull_back(u), pull_back(2 * u)
    assert len(first) == 2
    assert_close(first[0], u * Y @ A)
    assert_close(first[1], u * (A @ X))
    assert_close(second[0], 2 * value(first[0]))


def test_jvp_matches_finite_differences() -> None:
    check_jvp()


def test_jvp_of_several_primals_sums_their_contributions() -> None:
    vx, vy = RNG.normal(size=4), RNG.normal(size=3)
    fn = lambda x, y: (A @ x) * ag.exp(y)  # noqa: E731
    _, tangent = func.jvp(fn, (X, Y), (vx, vy))
    expected = numeric_jacobian(lambda x: fn(ag.Tensor(x), ag.Tensor(Y)), X) @ vx
    expected += numeric_jacobian(lambda y: fn(ag.Tensor(X), ag.Tensor(y)), Y) @ vy
    assert_close(tangent, expected)


def test_jacobian_matches_finite_differences() -> None:
    jac = func.jacobian(f_vector)(X)
    assert jac.shape == (3, 4)
    assert_close(jac, numeric_jacobian(on_arrays(f_vector), X))


def test_jacobian_of_a_matrix_function_has_shape_output_then_input() -> None:
    W = RNG.normal(size=(2, 3))
    fn = lambda w: (w @ A).tanh()  # (2, 3) -> (2, 4)  # noqa: E731
    jac = func.jacobian(fn)(W)
    assert jac.shape == (2, 4, 2, 3)
    assert_close(jac, numeric_jacobian(on_arrays(fn), W))


def test_jacobian_of_several_arguments_and_of_several_outputs() -> None:
    fn = lambda x, y: ((A @ x) * y, (x**2).sum())  # noqa: E731
    (j0x, j0y), (j1x, j1y) = func.jacobian(fn, argnums=(0, 1))(X, Y)
    assert (j0x.shape, j0y.shape, j1x.shape, j1y.shape) == ((3, 4), (3, 3), (4,), (3,))
    assert_close(j0x, numeric_jacobian(lambda x: fn(ag.Tensor(x), ag.Tensor(Y))[0], X))
    assert_close(j0y, numeric_jacobian(lambda y: fn(ag.Tensor(X), ag.Tensor(y))[0], Y))
    assert_close(j1x, 2 * X)
    assert_close(j1y, np.zeros(3))  # an argument the output does not depend on: zeros, not an error


@settings(max_examples=15, deadline=None)
@given(
    in_shape=st.lists(st.integers(1, 3), min_size=0, max_size=3).map(tuple),
    out_shape=st.lists(st.integers(1, 3), min_size=0, max_size=2).map(tuple),
)
def test_jacobian_and_hessian_shapes(in_shape: tuple, out_shape: tuple) -> None:
    x = np.random.default_rng(0).normal(size=in_shape)
    weights = np.random.default_rng(1).normal(size=out_shape)
    fn = lambda t: ag.Tensor(weights) * (t.sin().sum() + (t**2).sum())  # noqa: E731
    jac = func.jacobian(fn)(x)
    assert jac.shape == out_shape + in_shape
    assert_close(jac, numeric_jacobian(on_arrays(fn), x))
    hess = func.hessian(lambda t: (t.sin() * t).sum())(x)
    assert hess.shape == in_shape + in_shape
    assert_close(hess, np.diag((2 * np.cos(x) - x * np.sin(x)).ravel()).reshape(in_shape + in_shape))


def test_hessian_matches_finite_differences_of_the_gradient() -> None:
    hess = func.hessian(f_scalar)(X)
    assert hess.shape == (4, 4)
    assert_close(hess, numeric_jacobian(lambda x: func.grad(f_scalar)(x), X))
    assert_close(hess, value(hess).T, atol=1e-12)


def test_hessian_blocks_of_two_arguments() -> None:
    check_mixed_hessian()
    (_, h_xy), (h_yx, _) = func.hessian(f_two, argnums=(0, 1))(X, Y)
    assert h_xy.shape == (4, 3) and h_yx.shape == (3, 4)
    assert_close(h_xy, value(h_yx).T)


def test_hvp_matches_hessian_and_finite_differences() -> None:
    v = RNG.normal(size=4)
    out, (hv,) = func.hvp(f_scalar, (X,), (v,))
    assert_close(out, f_scalar(ag.Tensor(X)))
    assert_close(hv, value(func.hessian(f_scalar)(X)) @ v)
    eps = 1e-5  # the gradient's directional derivative
    g = func.grad(f_scalar)
    assert_close(hv, (value(g(X + eps * v)) - value(g(X - eps * v))) / (2 * eps))


def test_elementwise_grad_gives_the_derivative_at_every_point() -> None:
    x = np.linspace(-2, 2, 7)
    assert_close(func.elementwise_grad(ag.tanh)(x), 1 - np.tanh(x) ** 2)
    assert_close(func.elementwise_grad(lambda t: t.sin() * t)(x), np.cos(x) * x + np.sin(x))


# ---------------------------------------------------------------- composition
def tanh_derivatives(x: np.ndarray, orders: int) -> list[np.ndarray]:
    """d^k tanh / dx^k in closed form: a polynomial p_k(t) in t = tanh(x), p_{k+1} = p_k'(t) (1 - t^2)."""
    poly, t, results = np.polynomial.Polynomial([0, 1]), np.tanh(x), []
    for _ in range(orders):
        poly = poly.deriv() * np.polynomial.Polynomial([1, 0, -1])
        results.append(poly(t))
    return results


def test_nested_elementwise_grad_of_tanh_to_the_sixth_order() -> None:
    x = np.linspace(-3, 3, 13)
    fn = ag.tanh
    for expected in tanh_derivatives(x, 6):
        fn = func.elementwise_grad(fn)
        assert_close(fn(x), expected)


def test_grad_of_grad_of_grad_of_grad() -> None:
    quintic = lambda t: t**5  # noqa: E731
    d = func.grad
    assert_close(d(quintic)(2.0), 5 * 2.0**4)
    assert_close(d(d(quintic))(2.0), 20 * 2.0**3)
    assert_close(d(d(d(quintic)))(2.0), 60 * 2.0**2)
    assert_close(d(d(d(d(quintic))))(2.0), 120 * 2.0)
    assert_close(d(d(d(d(d(quintic)))))(2.0), 120.0)
    assert_close(d(d(d(d(ag.tanh))))(0.4), tanh_derivatives(np.array(0.4), 4)[-1])


def test_third_order_against_finite_differences_of_the_second() -> None:
    fn = lambda t: (t.sin() * t.exp() + t**3).sum()  # noqa: E731
    second = func.grad(func.grad(fn))
    third = func.grad(func.grad(func.grad(fn)))
    assert_close(third(0.7), numeric_jacobian(second, 0.7))


def test_mixed_transforms_compose() -> None:
    v = RNG.normal(size=4)
    _, (hv,) = func.hvp(f_scalar, (X,), (v,))
    # forward over reverse and reverse over forward give the same H v
    _, jvp_of_grad = func.jvp(func.grad(f_scalar), (X,), (v,))
    grad_of_jvp = func.grad(lambda x: func.jvp(f_scalar, (x,), (v,))[1])(X)
    assert_close(jvp_of_grad, hv)
    assert_close(grad_of_jvp, hv)
    assert_close(func.jacobian(func.grad(f_scalar))(X), func.hessian(f_scalar)(X))
    # the gradient of a vjp with respect to the cotangent is the Jacobian row it picks
    row = func.grad(lambda u: func.vjp(f_vector, X)[1](u)[0][2])(np.ones(3))
    assert_close(row, numeric_jacobian(on_arrays(f_vector), X)[:, 2])


def test_inner_variable_is_not_confused_with_the_outer_one() -> None:
    # d/dx [x * (d/dy x*y)] = d/dx x^2 = 2x; differentiating the inner call by the outer x gives 4x
    fn = lambda x: x * func.grad(lambda y: x * y)(x)  # noqa: E731
    assert_close(func.grad(fn)(3.0), 6.0)


def test_results_carry_a_graph_only_under_an_outer_transform() -> None:
    seen = []

    def inner(x: ag.Tensor) -> ag.Tensor:
        g = func.grad(lambda t: (t**3).sum())(x)
        seen.append(g.requires_grad)
        return g.sum()

    top = func.grad(inner)(X)
    assert seen == [True] and not top.requires_grad and top.grad_fn is None
    for result in [
        func.grad(f_scalar)(X),
        *func.value_and_grad(f_scalar)(X),
        func.jacobian(f_vector)(X),
        func.hessian(f_scalar)(X),
        *func.jvp(f_vector, (X,), (X,)),
        func.vjp(f_vector, X)[0],
        *func.vjp(f_vector, X)[1](Y),
        func.hvp(f_scalar, (X,), (X,))[1][0],
    ]:
        assert isinstance(result, ag.Tensor) and not result.requires_grad


def test_an_error_inside_a_transform_leaves_no_level_behind() -> None:
    with pytest.raises(ValueError):
        func.grad(lambda x: func.grad(f_vector)(x).sum())(X)
    assert not func.grad(f_scalar)(X).requires_grad


def test_jacobian_costs_one_backward_pass_per_output_element(monkeypatch: pytest.MonkeyPatch) -> None:
    import autograd.func as func_module

    calls = []
    engine_grad = func_module._engine_grad
    monkeypatch.setattr(func_module, "_engine_grad", lambda *a, **k: calls.append(1) or engine_grad(*a, **k))
    func.jacobian(f_vector)(X)  # 3 outputs, 4 inputs
    assert len(calls) == 3
    calls.clear()
    func.jacobian(lambda x, y: (A @ x) * y, argnums=(0, 1))(X, Y)  # both arguments in the same passes
    assert len(calls) == 3


# ---------------------------------------------------------------- inputs, aux, the caller's state
@pytest.mark.parametrize("make", [lambda a: a, lambda a: ag.Tensor(a), lambda a: ag.Tensor(a, requires_grad=True)])
def test_inputs_may_be_ndarrays_or_tensors(make: Callable) -> None:
    assert_close(func.grad(f_scalar)(make(X)), func.grad(f_scalar)(X))


def test_results_are_writable_arrays() -> None:
    g = func.grad(lambda t: t.sum())(np.ones(5000))  # ag.grad gives a read-only broadcast view here
    g.data += 1
    assert_close(g, np.full(5000, 2.0))


def test_float32_in_float32_out() -> None:
    x = np.linspace(0.1, 1, 3, dtype=np.float32)
    cube = lambda t: (t**3).sum()  # noqa: E731
    results = [func.grad(cube)(x), func.jvp(ag.sin, (x,), (x,))[1], func.hvp(cube, (x,), (x,))[1][0]]
    results += [func.jacobian(ag.sin)(x), func.hessian(cube)(x), func.vjp(ag.sin, x)[1](x)[0]]
    assert [r.dtype for r in results] == [np.float32] * 6


def test_python_numbers_are_float64() -> None:
    g = func.grad(lambda t: t**3)(2)
    assert g.dtype == np.float64 and g.shape == ()
    assert_close(g, 12.0)


def test_caller_tensors_graph_and_grad_are_untouched() -> None:
    x = ag.Tensor(X.copy(), requires_grad=True)
    w = ag.Tensor(A.copy(), requires_grad=True)  # used by the function through its closure
    x.grad = ag.Tensor(np.full(4, 7.0))
    fn = lambda t: ((w @ t) ** 2).sum()  # noqa: E731
    func.hessian(fn)(x)
    func.grad(fn)(x)
    func.jvp(lambda t: w @ t, (x,), (x,))
    func.vjp(lambda t: w @ t, x)[1](Y)
    assert_close(x.grad, np.full(4, 7.0))
    assert w.grad is None and x.grad_fn is None and x.is_leaf
    assert_close(x, X) and assert_close(w, A)


def test_grad_with_aux() -> None:
    def loss_and_prediction(x: ag.Tensor) -> tuple[ag.Tensor, dict]:
        prediction = A @ x
        return (prediction**2).sum(), {"prediction": prediction, "step": 3}

    g, aux = func.grad(loss_and_prediction, has_aux=True)(X)
    assert_close(g, 2 * (A @ X) @ A)
    assert_close(aux["prediction"], A @ X)
    assert aux["step"] == 3 and not aux["prediction"].requires_grad
    (val, aux2), g2 = func.value_and_grad(loss_and_prediction, has_aux=True)(X)
    assert_close(val, ((A @ X) ** 2).sum())
    assert_close(g2, g)
    assert_close(aux2["prediction"], A @ X)


def test_gradients_of_a_dict_of_arrays_keep_its_structure() -> None:
    params = {"w": A, "b": Y}
    loss = lambda p, x: (((p["w"] @ x) + p["b"]).tanh() ** 2).sum()  # noqa: E731
    grads = func.grad(loss)(params, X)
    assert set(grads) == {"w", "b"}
    assert_close(grads["w"], numeric_jacobian(lambda w: loss({"w": ag.Tensor(w), "b": ag.Tensor(Y)}, X), A))
    assert_close(grads["b"], numeric_jacobian(lambda b: loss({"w": ag.Tensor(A), "b": ag.Tensor(b)}, X), Y))


def test_transforms_work_inside_no_grad() -> None:
    with ag.no_grad():
        assert_close(func.grad(f_scalar)(X), numeric_jacobian(on_arrays(f_scalar), X))
        assert not ag.is_grad_enabled()


def test_ag_func_is_the_module() -> None:
    assert ag.func is func and "func" in ag.__all__


# ---------------------------------------------------------------- errors
def test_grad_of_a_non_scalar_names_its_shape() -> None:
    with pytest.raises(ValueError, match=r"func\.grad.*scalar.*shape \(3,\)"):
        func.grad(f_vector)(X)


@pytest.mark.parametrize("argnums", [2, -3, (0, 2)])
def test_argnums_out_of_range_names_the_number_of_arguments(argnums: Any) -> None:
    with pytest.raises(ValueError, match=r"argnums=.* out of range.* called with 2 positional arguments"):
        func.grad(f_two, argnums=argnums)(X, Y)
    with pytest.raises(ValueError, match=r"called with 2 positional arguments"):
        func.jacobian(f_two, argnums=argnums)(X, Y)


def test_bad_argnums() -> None:
    with pytest.raises(TypeError, match="argnums must be an int"):
        func.grad(f_two, argnums=1.0)(X, Y)
    with pytest.raises(ValueError, match="twice"):
        func.grad(f_two, argnums=(0, -2))(X, Y)


@pytest.mark.parametrize(
    ("transform", "returned"),
    [
        (lambda fn: func.grad(fn)(X), "float"),
        (lambda fn: func.jacobian(fn)(X), "float"),
        (lambda fn: func.vjp(fn, X), "float"),
        (lambda fn: func.jvp(fn, (X,), (X,)), "float"),
    ],
)
def test_a_function_returning_a_non_tensor_says_so(transform: Callable, returned: str) -> None:
    with pytest.raises(TypeError, match=rf"returned {returned}, not a Tensor"):
        transform(lambda t: float(t.sum().item()))


def test_a_function_returning_an_ndarray_gets_a_hint() -> None:
    with pytest.raises(TypeError, match=r"returned ndarray, not a Tensor \(did it call np\.\*"):
        func.jacobian(lambda t: np.tanh(t.numpy()))(X)


def test_other_bad_inputs() -> None:
    with pytest.raises(TypeError, match=r"argument 0 has dtype int64; only floating-point"):
        func.grad(lambda t: t.sum())(np.arange(3))
    with pytest.raises(TypeError, match=r"has_aux=True.*pair"):
        func.grad(f_scalar, has_aux=True)(X)
    with pytest.raises(ValueError, match=r"tangent 0 has shape \(3,\) but must have shape \(4,\)"):
        func.jvp(f_vector, (X,), (Y,))
    with pytest.raises(ValueError, match=r"cotangent has shape \(4,\) but must have shape \(3,\)"):
        func.vjp(f_vector, X)[1](X)
    with pytest.raises(TypeError, match="tuples of arguments"):
        func.jvp(f_vector, X, X)


# ---------------------------------------------------------------- functional_call, with nn
def test_functional_call_uses_the_given_parameters_and_restores_the_module() -> None:
    nn = pytest.importorskip("nn")
    model = nn.Linear(4, 3)
    own = {name: p for name, p in model.named_parameters()}
    out = func.functional_call(model, {"weight": A, "bias": Y}, (X,))
    assert_close(out, A @ X + Y)
    assert model.weight is own["weight"] and model.bias is own["bias"]
    assert dict(model.named_parameters()) == own
    with pytest.raises(KeyError, match="no parameter 'wieght'"):
        func.functional_call(model, {"wieght": A}, (X,))
    with pytest.raises(ValueError, match=r"'weight' has shape \(3, 4\).*shape \(4, 3\)"):
        func.functional_call(model, {"weight": A.T}, (X,))
    with pytest.raises(ValueError):  # an error inside forward still restores the parameters
        func.functional_call(model, {"weight": A}, (np.ones(5),))
    assert model.weight is own["weight"]


def test_gradient_of_a_loss_through_functional_call_equals_backward() -> None:
    nn = pytest.importorskip("nn")
    F = pytest.importorskip("nn.functional")
    ag.manual_seed(3)
    model = nn.MLP([2, 4, 4, 1])
    x, y = nn.datasets.generate_xor_easy()
    params = {name: p.data.copy() for name, p in model.named_parameters()}
    loss = lambda p: F.mse_loss(func.functional_call(model, p, (x,)), y)  # noqa: E731
    grads = func.grad(loss)(params)
    assert all(p.grad is None for p in model.parameters())
    F.mse_loss(model(x), y).backward()
    for name, p in model.named_parameters():
        assert_close(grads[name], p.grad)
    v = {name: RNG.normal(size=a.shape) for name, a in params.items()}
    _, (hv,) = func.hvp(loss, (params,), (v,))
    eps = 1e-5
    plus = func.grad(loss)({k: params[k] + eps * v[k] for k in params})
    minus = func.grad(loss)({k: params[k] - eps * v[k] for k in params})
    for name in params:
        assert_close(hv[name], (value(plus[name]) - value(minus[name])) / (2 * eps), atol=1e-7)


# ---------------------------------------------------------------- against torch.func
def test_against_torch_func() -> None:
    torch = pytest.importorskip("torch")
    tfunc = torch.func
    At = torch.tensor(A)

    def t_scalar(x: Any) -> Any:
        return ((At @ x.sin()) ** 2).sum() + (x * x.exp()).sum()

    def t_vector(x: Any) -> Any:
        return (At @ x).tanh() * (At @ x**2)

    xt, v, u = torch.tensor(X), torch.tensor(RNG.normal(size=4)), torch.tensor(RNG.normal(size=3))
    assert_close(func.grad(f_scalar)(X), tfunc.grad(t_scalar)(xt).numpy())
    assert_close(func.hessian(f_scalar)(X), tfunc.hessian(t_scalar)(xt).numpy())
    assert_close(func.grad(func.grad(func.grad(ag.sin)))(0.3), tfunc.grad(tfunc.grad(tfunc.grad(torch.sin)))(
        torch.tensor(0.3, dtype=torch.float64)).numpy())  # fmt: skip
    assert_close(func.jacobian(f_vector)(X), tfunc.jacrev(t_vector)(xt).numpy())
    assert_close(func.jvp(f_vector, (X,), (v.numpy(),))[1], tfunc.jvp(t_vector, (xt,), (v,))[1].numpy())
    assert_close(func.vjp(f_vector, X)[1](u.numpy())[0], tfunc.vjp(t_vector, xt)[1](u)[0].numpy())
    _, expected = torch.autograd.functional.hvp(t_scalar, xt, v)
    assert_close(func.hvp(f_scalar, (X,), (v.numpy(),))[1][0], expected.numpy())
    (_, h_xy), (h_yx, _) = func.hessian(f_two, argnums=(0, 1))(X, Y)
    t_two = lambda x, y: ((At @ x) * y.sin()).sum() * (x**2).sum()  # noqa: E731
    t_blocks = tfunc.hessian(t_two, argnums=(0, 1))(xt, torch.tensor(Y))
    assert_close(h_xy, t_blocks[0][1].numpy())
    assert_close(h_yx, t_blocks[1][0].numpy())


# ---------------------------------------------------------------- the checkers catch planted bugs
def test_checkers_catch_planted_bugs() -> None:
    def jvp_returning_vjp(fn: Callable, primals: tuple, tangents: tuple) -> tuple:
        out, pull_back = func.vjp(fn, *primals)
        return out, pull_back(tangents[0])[0]  # J^T v: right shape for a square Jacobian, wrong values

    def hessian_blocks_swapped(fn: Callable, argnums: Any = 0) -> Callable:
        blocks = func.hessian(fn, argnums)
        return lambda *args: (lambda h: ((h[0][0], h[1][0]), (h[0][1], h[1][1])))(blocks(*args))

    def grad_off_by_a_bit(fn: Callable) -> Callable:
        return lambda x: value(func.grad(fn)(x)) * (1 + 1e-4)

    def vjp_ignoring_the_cotangent(fn: Callable, *primals: Any) -> tuple:
        out, pull_back = func.vjp(fn, *primals)
        return out, lambda u: pull_back(np.ones_like(u))

    for check, planted in [
        (check_jvp, jvp_returning_vjp),
        (check_mixed_hessian, hessian_blocks_swapped),
        (check_grad, grad_off_by_a_bit),
        (check_vjp, vjp_ignoring_the_cotangent),
    ]:
        check()  # the real transform passes
        with pytest.raises(AssertionError):
            check(planted)
