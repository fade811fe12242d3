// annlib::lbfgs_minimize on a Python function: the optimizer tested on its own
// (Rosenbrock), apart from any network.
#include "annlib/lbfgs.hpp"

#include <string>

#include "common.hpp"

namespace annlib_bindings {

void bind_lbfgs(py::module_& m) {
    using Vector = Eigen::VectorXd;
    m.def(
        "minimize_lbfgs",
        [](const py::function& fun, const Vector& x0, int history_size, long long max_iter,
           long long max_fun, double gtol, double ftol) {
            if (history_size < 1 || max_iter < 1 || max_fun < 1)
                throw std::invalid_argument(
                    "minimize_lbfgs: expected history_size, max_iter and max_fun >= 1");
            annlib::LbfgsSettings settings;
            settings.history_size = history_size;
            settings.max_fun = max_fun;
            settings.gtol = gtol;
            settings.ftol = ftol;
            auto f = [&fun](const Vector& x, Vector& g) {
                const py::tuple out = fun(x);
                g = out[1].cast<Vector>();
                if (g.size() != x.size())
                    throw std::invalid_argument("fun: expected a gradient of " +
                                                std::to_string(x.size()) + " values");
                return out[0].cast<double>();
            };
            Vector x = x0;
            const annlib::LbfgsResult r = annlib::lbfgs_minimize<double>(f, x, settings, max_iter);
            py::dict d;
            d["x"] = x;
            d["fun"] = r.value;
            d["iterations"] = r.iterations;
            d["evaluations"] = r.evaluations;
            d["stop"] = std::string(r.stop == annlib::LbfgsStop::none ? "max_iter"
                                                                      : annlib::name_of(r.stop));
            return d;
        },
        py::arg("fun"), py::arg("x0"), py::arg("history_size") = 10, py::arg("max_iter") = 1000,
        py::arg("max_fun") = 15000, py::arg("gtol") = 1e-5, py::arg("ftol") = 2.2e-9,
        "Minimise fun(x) -> (value, gradient) from x0 with the engine's L-BFGS (a test hook of\n"
        "the optimizer alone). Returns a dict: x, fun, iterations, evaluations and stop\n"
        "('gtol', 'ftol', 'max_fun', 'line_search' or 'max_iter').");
}

}  // namespace annlib_bindings
