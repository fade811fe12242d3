// A program that links the engine but is compiled without annlib's own flags
// (no -march=native: tests/cpp/CMakeLists.txt gives this file none of them).
// Eigen frees a matrix by the alignment rule of the code that frees it, so a
// matrix the engine allocated under AVX-512 and this file frees under SSE2 only
// works because the engine fixes EIGEN_MAX_ALIGN_BYTES for both (CMakeLists.txt).
#include <vector>

#include "annlib/mlp.hpp"
#include "check.hpp"

TEST_CASE(matrices_made_by_the_engine_can_be_freed_by_a_consumer_with_other_flags) {
    annlib::MLPConfig config;
    config.layers = {3, 40, 2};
    config.hidden_activations = {annlib::Activation::tanh};
    annlib::MLP<double> net(config);
    for (int round = 0; round < 3; ++round) {
        const Eigen::MatrixXd X = Eigen::MatrixXd::Random(3, 50 + round);
        const Eigen::MatrixXd outputs = net.predict(X);        // the engine's allocation
        std::vector<Eigen::MatrixXd> layers = net.forward(X);  // and a vector of them
        CHECK(outputs.cols() == X.cols() && layers.size() == 3, "shapes");
        layers.clear();  // freed here, by this file's Eigen
    }
}
