// Backpropagation against finite differences, for every activation and loss of
// the engine's name tables: adding an activation or a loss adds its rows here.
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "annlib/mlp.hpp"
#include "annlib/names.hpp"
#include "check.hpp"

using annlib::Activation;
using annlib::kNames;
using annlib::Loss;
using annlib::name_of;
using annlib_test::describe;

namespace {

template <class Scalar>
using Matrix = typename annlib::MLP<Scalar>::Matrix;
template <class Scalar>
using Vector = typename annlib::MLP<Scalar>::Vector;

Matrix<double> normal_matrix(Eigen::Index rows, Eigen::Index cols, annlib::Rng& rng) {
    Matrix<double> m(rows, cols);
    for (Eigen::Index j = 0; j < cols; ++j)
        for (Eigen::Index i = 0; i < rows; ++i) m(i, j) = rng.normal();
    return m;
}

// One-hot targets (outputs × samples): valid for every loss and output activation.
Matrix<double> one_hot(Eigen::Index outputs, Eigen::Index samples) {
    Matrix<double> t = Matrix<double>::Zero(outputs, samples);
    for (Eigen::Index j = 0; j < samples; ++j) t(j % outputs, j) = 1.0;
    return t;
}

// The engine's configuration with `hidden` in every hidden layer.
annlib::MLPConfig config_for(const std::vector<int>& layers, Activation hidden, Activation output,
                             Loss loss) {
    annlib::MLPConfig config;
    config.layers = layers;
    config.hidden_activations.assign(layers.size() - 2, hidden);
    config.output_activation = output;
    config.loss = loss;
    config.leaky_slope = 0.1;  // large enough that a slope mistake shows
    config.l2 = 0.01;          // the penalty's gradient is checked too
    config.seed = 11;
    return config;
}

// Central differences of loss() in every parameter.
Vector<double> numeric_gradient(annlib::MLP<double>& net, const Matrix<double>& X,
                                const Matrix<double>& T, double h) {
    Vector<double> p = net.parameters();
    Vector<double> g(p.size());
    for (Eigen::Index k = 0; k < p.size(); ++k) {
        const double saved = p[k];
        p[k] = saved + h;
        net.set_parameters(p);
        const double up = net.loss(X, T);
        p[k] = saved - h;
        net.set_parameters(p);
        const double down = net.loss(X, T);
        p[k] = saved;
        g[k] = (up - down) / (2 * h);
    }
    net.set_parameters(p);
    return g;
}

struct Coverage {
    std::set<Activation> hidden, output;
    std::set<Loss> losses;
    int configurations = 0;
};

// Calls test(config, label) for every combination of hidden activation, output
// activation and loss that the engine accepts for these layer sizes.
template <class Test>
Coverage for_every_configuration(const std::vector<int>& layers, Test test) {
    Coverage seen;
    for (const auto& [hidden_name, hidden] : kNames<Activation>)
        for (const auto& [output_name, output] : kNames<Activation>)
            for (const auto& [loss_name, loss] : kNames<Loss>) {
                const annlib::MLPConfig config = config_for(layers, hidden, output, loss);
                try {
                    config.validate();
                } catch (const std::invalid_argument&) {
                    continue;  // a combination the engine refuses (softmax hidden, ...)
                }
                test(config, describe(hidden_name, "-", output_name, "-", loss_name, " layers ",
                                      layers.size(), " hidden width ", layers[1]));
                seen.hidden.insert(hidden);
                seen.output.insert(output);
                seen.losses.insert(loss);
                ++seen.configurations;
            }
    return seen;
}

void check_coverage(const Coverage& seen) {
    CHECK(kNames<Activation>.size() >= 2 && kNames<Loss>.size() >= 2,
          "the activation and loss name tables are filled in");
    for (const auto& [name, value] : kNames<Activation>) {
        // Every activation as an output layer, and as a hidden layer unless it
        // couples the units of a sample (softmax), which the engine refuses there.
        CHECK(seen.output.count(value), describe("activation ", name, " is tested as output"));
        CHECK(seen.hidden.count(value) == !annlib::couples_units(value),
              describe("activation ", name, " is tested as hidden exactly when allowed"));
    }
    for (const auto& [name, value] : kNames<Loss>)
        CHECK(seen.losses.count(value), describe("loss ", name, " is tested"));
}

// Two shapes: thin layers (the register kernels) and a layer wider than four
// AVX-512 registers of doubles (Eigen's GEMM).
const std::vector<std::vector<int>> kShapes = {{3, 4, 4, 2}, {5, 37, 3}};

}  // namespace

TEST_CASE(backward_matches_finite_differences_for_every_activation_and_loss) {
    for (const auto& layers : kShapes) {
        annlib::Rng rng(5);
        const Matrix<double> X = normal_matrix(layers.front(), 6, rng);
        const Matrix<double> T = one_hot(layers.back(), 6);
        const Coverage seen =
            for_every_configuration(layers, [&](const auto& config, const std::string& label) {
                annlib::MLP<double> net(config);
                // Every parameter nonzero (biases start at 0), so no term hides behind a zero.
                Vector<double> p(net.n_parameters());
                for (Eigen::Index k = 0; k < p.size(); ++k) p[k] = 0.7 * rng.normal();
                net.set_parameters(p);
                const Vector<double> analytic = net.gradient(X, T);
                const Vector<double> numeric = numeric_gradient(net, X, T, 1e-5);
                CHECK(analytic.size() == numeric.size(), label);
                double worst = 0.0;
                Eigen::Index at = 0;
                for (Eigen::Index k = 0; k < analytic.size(); ++k) {
                    const double error =
                        std::abs(analytic[k] - numeric[k]) / (1 + std::abs(numeric[k]));
                    if (error > worst) worst = error, at = k;
                }
                CHECK(worst <= 1e-7, describe(label, ": parameter ", at, " backward ", analytic[at],
                                              ", finite differences ", numeric[at]));
            });
        check_coverage(seen);
    }
}

// float runs its own code (Eigen's float tanh, wider registers): the same
// gradient as double, up to float rounding.
TEST_CASE(float_gradient_equals_double_gradient_for_every_activation_and_loss) {
    for (const auto& layers : kShapes) {
        annlib::Rng rng(6);
        const Matrix<double> X = normal_matrix(layers.front(), 6, rng);
        const Matrix<double> T = one_hot(layers.back(), 6);
        const Coverage seen =
            for_every_configuration(layers, [&](const auto& config, const std::string& label) {
                annlib::MLP<double> exact(config);
                annlib::MLP<float> rounded(config);
                Vector<double> p(exact.n_parameters());
                for (Eigen::Index k = 0; k < p.size(); ++k) p[k] = 0.7 * rng.normal();
                exact.set_parameters(p);
                rounded.set_parameters(p.cast<float>());
                const Vector<double> g = exact.gradient(X, T);
                const Vector<double> g32 =
                    rounded.gradient(X.cast<float>(), T.cast<float>()).template cast<double>();
                const double scale = 1 + g.cwiseAbs().maxCoeff();
                CHECK((g - g32).cwiseAbs().maxCoeff() <= 1e-4 * scale,
                      describe(label, ": largest difference ", (g - g32).cwiseAbs().maxCoeff()));
            });
        check_coverage(seen);
    }
}
