// The engine's name tables (names.hpp) as Python tuples: _core.ACTIVATIONS, _core.RULES, ...
// Python, its docstrings and the tests read these instead of keeping their own lists.
#include "annlib/dense_memory.hpp"
#include "annlib/hopfield.hpp"
#include "annlib/mlp.hpp"
#include "annlib/search.hpp"
#include "common.hpp"

namespace annlib_bindings {

namespace {

template <class Enum>
py::tuple names_tuple() {
    return py::tuple(py::cast(annlib::names<Enum>()));
}

}  // namespace

void bind_names(py::module_& m) {
    m.attr("ACTIVATIONS") = names_tuple<annlib::Activation>();
    m.attr("HIDDEN_ACTIVATIONS") = py::tuple(py::cast(annlib::hidden_activation_names()));
    m.attr("LOSSES") = names_tuple<annlib::Loss>();
    m.attr("OPTIMIZERS") = names_tuple<annlib::Optimizer>();
    m.attr("SCHEDULES") = names_tuple<annlib::Schedule>();
    std::vector<std::string> full_batch;
    for (const auto& [name, kind] : annlib::kNames<annlib::Optimizer>)
        if (annlib::full_batch_only(kind)) full_batch.emplace_back(name);
    m.attr("FULL_BATCH_OPTIMIZERS") = py::tuple(py::cast(full_batch));
    m.attr("LBFGS_STOPS") = names_tuple<annlib::LbfgsStop>();
    m.attr("INITS") = names_tuple<annlib::Init>();
    m.attr("ACCURACY_RULES") = names_tuple<annlib::AccuracyRule>();
    m.attr("RULES") = names_tuple<annlib::HopfieldRule>();
    m.attr("MODES") = names_tuple<annlib::UpdateMode>();
    m.attr("ORDERS") = names_tuple<annlib::UpdateOrder>();
    m.attr("ENERGY_TRACES") = names_tuple<annlib::EnergyTrace>();
    m.attr("SCORINGS") = names_tuple<annlib::Scoring>();
    m.attr("INTERACTIONS") = names_tuple<annlib::Interaction>();
}

}  // namespace annlib_bindings
