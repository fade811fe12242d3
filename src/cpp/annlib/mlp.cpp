#include "annlib/mlp.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iterator>
#include <limits>
#include <numeric>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>

#include "annlib/thin_product.hpp"

namespace annlib {

namespace {

// A number for a message, as Python's %g shows it: 0.001, 1e-09, 1e+30, inf.
std::string str(double x) {
    if (std::isnan(x)) return "nan";  // printf shows the sign bit: "-nan"
    char text[32];
    std::snprintf(text, sizeof text, "%g", x);
    return text;
}

void require(bool ok, const std::string& message) {
    if (!ok) throw std::invalid_argument(message);
}

// Samples processed at once by predict/loss/forward-only passes: bounds memory
// for huge inputs (a 500 × 500 decision-boundary grid) while keeping GEMMs large.
constexpr Eigen::Index kPredictBlock = 4096;

// Most floating-point operations between two interrupt polls in a long pass (about
// a tenth of a second on one core): a big network's predictions go in smaller
// blocks, and a big training batch is summed over chunks of samples, so Ctrl-C
// answers within a fraction of a second (a [512, 1024, 10] full batch of 80 000
// samples is 250 GFLOP).  Passes below it run exactly as one block.  Blocks keep at
// least kMinPollColumns samples: thinner GEMMs split over busy cores were measured
// several times slower (a [16, 2048, 2048, 10] epoch in chunks of 78: 7x).
constexpr double kPollFlops = 4e9;
constexpr Eigen::Index kMinPollColumns = 1024;

// Below this many floating-point operations per pass, waking a second thread for
// each GEMM costs more than it saves (a [64, 64, 10] minibatch of 32 is 0.3 MFLOP,
// a [784, 256, 128, 10] minibatch of 128 is 60 MFLOP).  It is set high because a
// GEMM split over threads waits for the slowest one: on a machine whose other cores
// are busy, small split GEMMs were measured 10x slower than on one thread.
constexpr double kThreadedFlops = 3e7;

// predict/loss split their blocks over threads once each thread gets this many.
constexpr Eigen::Index kBlocksPerThread = 2;

// Number of columns of Y whose prediction matches the target column of T.
// Y and T are contiguous (k × n) blocks; plain loops, as k is small.
template <class Matrix>
Eigen::Index correct_in_block(const Eigen::Ref<const Matrix>& Y, const Eigen::Ref<const Matrix>& T,
                              AccuracyRule rule, double threshold) {
    using Scalar = typename Matrix::Scalar;
    const Eigen::Index k = Y.rows(), n = Y.cols();
    Eigen::Index correct = 0;
    for (Eigen::Index j = 0; j < n; ++j) {
        const Scalar* y = Y.data() + j * Y.outerStride();
        const Scalar* t = T.data() + j * T.outerStride();
        if (rule == AccuracyRule::argmax) {
            Eigen::Index predicted = 0, target = 0;
            for (Eigen::Index c = 1; c < k; ++c) {
                if (y[c] > y[predicted]) predicted = c;
                if (t[c] > t[target]) target = c;
            }
            correct += predicted == target;
        } else if (rule == AccuracyRule::threshold) {
            const auto cut = static_cast<Scalar>(threshold);
            bool all = true;
            for (Eigen::Index c = 0; c < k; ++c) all = all && ((y[c] >= cut) == (t[c] >= cut));
            correct += all;
        }
    }
    return correct;
}

// C := A B, plus b 1ᵀ when `bias` is given (one column per sample).  Thin layers
// go through the register kernels of thin_product.hpp, the rest through Eigen's GEMM.
template <class Lhs, class Rhs, class Output>
void product(const Lhs& A, const Rhs& B, const typename Output::Scalar* bias, Output& C,
             typename Output::Scalar* scratch) {
    using Scalar = typename Output::Scalar;
    if (thin::fits_columns<Scalar>(A.rows(), A.cols())) {
        thin::columns_product(A, B, bias, C, scratch);
    } else if (bias) {
        // Start from the bias and let the GEMM accumulate onto it: "=" would first
        // zero C and a second pass would then add the bias.
        C.colwise() = Eigen::Map<const Eigen::Matrix<Scalar, Eigen::Dynamic, 1>>(bias, C.rows());
        C.noalias() += A * B;
    } else {
        C.noalias() = A * B;
    }
}

// dW := delta inputᵀ and db := delta 1, sums over a block's samples (one per column).
template <class Delta, class Input, class WeightGrad, class BiasGrad, class Ones>
void weight_gradient(const Delta& delta, const Input& input, WeightGrad& dW, BiasGrad& db,
                     const Ones& ones, typename WeightGrad::Scalar* scratch) {
    using Scalar = typename WeightGrad::Scalar;
    const Eigen::Index out = delta.rows(), in = input.rows();
    if (thin::fits_sums<Scalar>(out, in)) {  // dW(:, s) = Σ_j δ(:, j) input(s, j)
        thin::sums_over_samples(delta, input, dW, false, db.data(), scratch);
    } else if (thin::fits_sums<Scalar>(in, out)) {  // dW(s, :) = Σ_j input(:, j) δ(s, j)
        // out <= kMaxSums outputs fit one register, so their sums do too.
        thin::sums_over_samples(input, delta, dW, true, nullptr, scratch);
        thin::row_sums(delta, db.data(), scratch);
    } else {
        dW.noalias() = delta * input.transpose();
        // Σ over the samples as a GEMV with ones: rowwise().sum() walks each row with
        // a stride, one dependent add per sample (it was a fifth of a small net's step).
        db.noalias() = delta * ones.head(delta.cols());
    }
}

// The ranges of the rprop and lbfgs settings.
void validate_full_batch_settings(const OptimizerSettings& o) {
    require(std::isfinite(o.delta0) && o.delta0 > 0,
            "delta0: expected a finite number > 0, got " + str(o.delta0));
    require(std::isfinite(o.delta_min) && o.delta_min >= 0 && o.delta_min <= o.delta0,
            "delta_min: expected a number in [0, delta0], got " + str(o.delta_min));
    require(std::isfinite(o.delta_max) && o.delta_max >= o.delta0,
            "delta_max: expected a finite number >= delta0, got " + str(o.delta_max));
    require(std::isfinite(o.eta_plus) && o.eta_plus > 1,
            "eta_plus: expected a finite number > 1, got " + str(o.eta_plus));
    require(std::isfinite(o.eta_minus) && o.eta_minus > 0 && o.eta_minus < 1,
            "eta_minus: expected a number in (0, 1), got " + str(o.eta_minus));
    require(o.history_size >= 1,
            "history_size: expected an integer >= 1, got " + std::to_string(o.history_size));
    require(o.max_fun >= 1, "max_fun: expected an integer >= 1, got " + std::to_string(o.max_fun));
    require(std::isfinite(o.gtol) && o.gtol >= 0,
            "gtol: expected a finite number >= 0, got " + str(o.gtol));
    require(std::isfinite(o.ftol) && o.ftol >= 0,
            "ftol: expected a finite number >= 0, got " + str(o.ftol));
}

}  // namespace

// ---------------------------------------------------------------------------
void ScheduleSettings::validate() const {
    require(std::isfinite(power_t) && power_t >= 0,
            "power_t: expected a finite number >= 0, got " + str(power_t));
    require(std::isfinite(decay) && decay > 0 && decay <= 1,
            "decay: expected a number in (0, 1], got " + str(decay));
    require(decay_every >= 1,
            "decay_every: expected an integer >= 1, got " + std::to_string(decay_every));
    require(cosine_epochs >= 1,
            "cosine_epochs: expected an integer >= 1, got " + std::to_string(cosine_epochs));
    require(std::isfinite(min_learning_rate) && min_learning_rate >= 0,
            "min_learning_rate: expected a finite number >= 0, got " + str(min_learning_rate));
    require(std::isfinite(plateau_factor) && plateau_factor > 1,
            "plateau_factor: expected a finite number > 1, got " + str(plateau_factor));
    require(plateau_patience >= 1,
            "plateau_patience: expected an integer >= 1, got " + std::to_string(plateau_patience));
    require(std::isfinite(plateau_tol) && plateau_tol >= 0,
            "plateau_tol: expected a finite number >= 0, got " + str(plateau_tol));
    require(warmup_epochs >= 0,
            "warmup_epochs: expected an integer >= 0, got " + std::to_string(warmup_epochs));
}

void MLPConfig::validate() const {
    require(layers.size() >= 2,
            "layers: expected at least 2 sizes [n_inputs, ..., n_outputs], got " +
                std::to_string(layers.size()));
    for (std::size_t i = 0; i < layers.size(); ++i)
        require(layers[i] >= 1, "layers: expected sizes >= 1, got " + std::to_string(layers[i]) +
                                    " at position " + std::to_string(i));
    require(hidden_activations.size() == layers.size() - 2,
            "activation: expected one name per hidden layer (" + std::to_string(layers.size() - 2) +
                "), got " + std::to_string(hidden_activations.size()));
    for (Activation a : hidden_activations) {
        if (!couples_units(a)) continue;
        std::string hidden;
        for (const auto& name : hidden_activation_names())
            hidden += (hidden.empty() ? "" : ", ") + name;
        throw std::invalid_argument("activation: expected one of " + hidden + ", got '" +
                                    std::string(name_of(a)) +
                                    "' (it is only available as output_activation)");
    }
    require(output_activation != Activation::softmax || layers.back() >= 2,
            "output_activation: softmax needs at least 2 outputs, got " +
                std::to_string(layers.back()));
    require(loss != Loss::cross_entropy || output_activation == Activation::softmax ||
                output_activation == Activation::sigmoid,
            std::string("loss: cross_entropy needs a softmax or sigmoid output_activation, got ") +
                std::string(name_of(output_activation)));
    // softmax outputs are probabilities that sum to 1: a per-unit distance is not their loss.
    require(loss != Loss::mae || output_activation != Activation::softmax,
            "loss: mae needs a regression output_activation (not softmax), got softmax");
    require(std::isfinite(leaky_slope) && leaky_slope >= 0 && leaky_slope < 1,
            "leaky_slope: expected a number in [0, 1), got " + str(leaky_slope));
    require(std::isfinite(optimizer.learning_rate) && optimizer.learning_rate > 0,
            "learning_rate: expected a finite number > 0, got " + str(optimizer.learning_rate));
    require(std::isfinite(optimizer.momentum) && optimizer.momentum >= 0 && optimizer.momentum < 1,
            "momentum: expected a number in [0, 1), got " + str(optimizer.momentum));
    require(std::isfinite(optimizer.beta1) && optimizer.beta1 >= 0 && optimizer.beta1 < 1,
            "beta1: expected a number in [0, 1), got " + str(optimizer.beta1));
    require(std::isfinite(optimizer.beta2) && optimizer.beta2 >= 0 && optimizer.beta2 < 1,
            "beta2: expected a number in [0, 1), got " + str(optimizer.beta2));
    require(std::isfinite(optimizer.rho) && optimizer.rho >= 0 && optimizer.rho < 1,
            "rho: expected a number in [0, 1), got " + str(optimizer.rho));
    require(std::isfinite(optimizer.weight_decay) && optimizer.weight_decay >= 0,
            "weight_decay: expected a finite number >= 0, got " + str(optimizer.weight_decay));
    // adamw multiplies the weights by 1 − η·λ each step: at 1 or more they vanish or flip sign.
    require(
        optimizer.kind != Optimizer::adamw || optimizer.weight_decay * optimizer.learning_rate < 1,
        "weight_decay: expected weight_decay * learning_rate < 1 for adamw, got " +
            str(optimizer.weight_decay) + " * " + str(optimizer.learning_rate));
    require(std::isfinite(optimizer.eps) && optimizer.eps > 0,
            "eps: expected a finite number > 0, got " + str(optimizer.eps));
    validate_full_batch_settings(optimizer);
    require(!full_batch_only(optimizer.kind) || batch_size == 0,
            "batch_size: optimizer '" + std::string(name_of(optimizer.kind)) +
                "' works on the full batch only; expected None, got " + std::to_string(batch_size));
    require(std::isfinite(l2) && l2 >= 0, "l2: expected a finite number >= 0, got " + str(l2));
    schedule.validate();
    require(
        std::isfinite(max_grad_norm) && max_grad_norm >= 0,
        "max_grad_norm: expected a finite number >= 0 (0: no clipping), got " + str(max_grad_norm));
    require(batch_size >= 0,
            "batch_size: expected None or an integer >= 1, got " + std::to_string(batch_size));
    require(std::isfinite(init_mean), "init_mean: expected a finite number, got " + str(init_mean));
    require(std::isfinite(init_std) && init_std >= 0,
            "init_std: expected a finite number >= 0, got " + str(init_std));
}

// ---------------------------------------------------------------------------
template <class Scalar>
struct MLP<Scalar>::Workspace {
    std::vector<Matrix> A;      // A[i]: activations of layer i (A[0] unused: the input is given)
    Matrix Z_out;               // output pre-activations, kept for the cross-entropy
    RowVector log_partition;    // softmax outputs: log Σ e^z per sample
    Matrix by_sample;           // softmax scratch: Zᵀ and the sums, samples × (units + 1)
    std::vector<Matrix> delta;  // delta[i]: ∂loss/∂Z of layer i
    Matrix X_gathered, T_gathered;
    Vector ones;               // capacity ones, to sum over samples with a GEMV
    Vector thin_scratch;       // for the products of thin layers (thin_product.hpp)
    Eigen::Index columns = 0;  // samples in the current block

    Workspace(const std::vector<int>& layers, Eigen::Index capacity, bool for_training) {
        const std::size_t L = layers.size();
        A.resize(L);
        for (std::size_t i = 1; i < L; ++i) A[i].resize(layers[i], capacity);
        Z_out.resize(layers.back(), capacity);
        log_partition.setZero(capacity);
        by_sample.resize(capacity, layers.back() + 1);
        thin_scratch.resize(thin::scratch_size<Scalar>);
        if (for_training) {
            ones.setOnes(capacity);
            delta.resize(L);
            for (std::size_t i = 1; i < L; ++i) delta[i].resize(layers[i], capacity);
        }
    }
};

template <class Scalar>
MLP<Scalar>::MLP(MLPConfig config) : config_(std::move(config)) {
    config_.validate();
    Eigen::Index offset = 0;
    for (int i = 0; i < n_weight_layers(); ++i) {
        weight_offset_.push_back(offset);
        offset += static_cast<Eigen::Index>(config_.layers[i]) * config_.layers[i + 1];
        bias_offset_.push_back(offset);
        offset += config_.layers[i + 1];
    }
    params_.setZero(offset);
    reset();
}

template <class Scalar>
void MLP<Scalar>::set_config(MLPConfig config) {
    config.validate();
    require(config.layers == config_.layers,
            "layers: the layer sizes of a model cannot change; create a new model");
    const bool new_optimizer =
        !OptimizerState<Scalar>::same_state(config.optimizer, config_.optimizer);
    const bool new_schedule = config.schedule.kind != config_.schedule.kind;
    config_ = std::move(config);
    if (new_optimizer) optimizer_state_.reset(config_.optimizer, params_.size());
    if (new_schedule) schedule_state_ = ScheduleState();
}

template <class Scalar>
void MLP<Scalar>::reset() {
    rng_.reseed(config_.seed);
    for (int i = 0; i < n_weight_layers(); ++i) {
        const int fan_in = config_.layers[i], fan_out = config_.layers[i + 1];
        auto W = weight_mut(i, params_);
        // Row by row of the numpy view (in × out), i.e. column by column here.
        for (Eigen::Index c = 0; c < W.cols(); ++c)
            for (Eigen::Index r = 0; r < W.rows(); ++r)
                W(r, c) = static_cast<Scalar>(draw_weight(config_.init, rng_, fan_in, fan_out,
                                                          config_.init_mean, config_.init_std));
        bias_mut(i, params_).setZero();
    }
    optimizer_state_.reset(config_.optimizer, params_.size());
    schedule_state_ = ScheduleState();
    history_ = History();
}

template <class Scalar>
typename MLP<Scalar>::WeightMap MLP<Scalar>::weight_mut(int i, Vector& p) const {
    return WeightMap(p.data() + weight_offset_[i], config_.layers[i + 1], config_.layers[i]);
}
template <class Scalar>
typename MLP<Scalar>::BiasMap MLP<Scalar>::bias_mut(int i, Vector& p) const {
    return BiasMap(p.data() + bias_offset_[i], config_.layers[i + 1]);
}
template <class Scalar>
typename MLP<Scalar>::ConstWeightMap MLP<Scalar>::weight(int i) const {
    if (i < 0 || i >= n_weight_layers()) throw std::out_of_range("layer: index out of range");
    return ConstWeightMap(params_.data() + weight_offset_[i], config_.layers[i + 1],
                          config_.layers[i]);
}
template <class Scalar>
typename MLP<Scalar>::ConstBiasMap MLP<Scalar>::bias(int i) const {
    if (i < 0 || i >= n_weight_layers()) throw std::out_of_range("layer: index out of range");
    return ConstBiasMap(params_.data() + bias_offset_[i], config_.layers[i + 1]);
}

template <class Scalar>
void MLP<Scalar>::set_weight(int i, const ConstRef& w) {
    if (i < 0 || i >= n_weight_layers()) throw std::out_of_range("layer: index out of range");
    require(w.rows() == config_.layers[i + 1] && w.cols() == config_.layers[i],
            "weights[" + std::to_string(i) + "]: expected shape (" +
                std::to_string(config_.layers[i]) + ", " + std::to_string(config_.layers[i + 1]) +
                "), got (" + std::to_string(w.cols()) + ", " + std::to_string(w.rows()) + ")");
    require(w.allFinite(), "weights[" + std::to_string(i) + "]: expected finite values");
    weight_mut(i, params_) = w;
}

template <class Scalar>
void MLP<Scalar>::set_bias(int i, const Eigen::Ref<const Vector>& b) {
    if (i < 0 || i >= n_weight_layers()) throw std::out_of_range("layer: index out of range");
    require(b.size() == config_.layers[i + 1], "biases[" + std::to_string(i) +
                                                   "]: expected shape (" +
                                                   std::to_string(config_.layers[i + 1]) +
                                                   ",), got (" + std::to_string(b.size()) + ",)");
    require(b.allFinite(), "biases[" + std::to_string(i) + "]: expected finite values");
    bias_mut(i, params_) = b;
}

template <class Scalar>
void MLP<Scalar>::set_parameters(const Eigen::Ref<const Vector>& p) {
    require(p.size() == params_.size(), "parameters: expected " + std::to_string(params_.size()) +
                                            " values, got " + std::to_string(p.size()));
    require(p.allFinite(), "parameters: expected finite values");
    params_ = p;
}

template <class Scalar>
void MLP<Scalar>::check_inputs(const ConstRef& X, const char* name) const {
    require(X.cols() >= 1, std::string(name) + ": expected at least one sample, got 0");
    require(X.rows() == config_.layers.front(), std::string(name) + ": expected " +
                                                    std::to_string(config_.layers.front()) +
                                                    " features, got " + std::to_string(X.rows()));
}

template <class Scalar>
void MLP<Scalar>::check_targets(const ConstRef& X, const ConstRef& T, const char* name) const {
    require(T.rows() == config_.layers.back(),
            std::string(name) + ": expected " + std::to_string(config_.layers.back()) +
                " target columns, got " + std::to_string(T.rows()));
    require(T.cols() == X.cols(), std::string(name) + ": expected " + std::to_string(X.cols()) +
                                      " samples (as many as X), got " + std::to_string(T.cols()));
}

// Threads for the GEMMs of a pass over `samples` samples: all of them only when it pays.
template <class Scalar>
int MLP<Scalar>::threads_for(Eigen::Index samples) const {
    double flops = 0.0;
    for (std::size_t i = 0; i + 1 < config_.layers.size(); ++i)
        flops += 2.0 * static_cast<double>(samples) * config_.layers[i] * config_.layers[i + 1];
    return flops >= kThreadedFlops ? get_num_threads() : 1;
}

template <class Scalar>
double MLP<Scalar>::l2_penalty() const {
    if (config_.l2 == 0) return 0.0;
    double sum = 0.0;
    for (int i = 0; i < n_weight_layers(); ++i)
        sum += weight(i).template cast<double>().squaredNorm();  // in double: no float overflow
    return 0.5 * config_.l2 * sum;
}

// ---------------------------------------------------------------------------
// The forward pass for one block of samples: A[i+1] = f(W_i A[i] + b_i).
template <class Scalar>
void MLP<Scalar>::forward_block(const ConstRef& Xb, Workspace& ws) const {
    const Eigen::Index n = Xb.cols();
    const int L = n_weight_layers();
    const auto slope = static_cast<Scalar>(config_.leaky_slope);
    ws.columns = n;
    for (int i = 0; i < L; ++i) {
        const bool output = i == L - 1;
        auto Z = output ? ws.Z_out.leftCols(n) : ws.A[i + 1].leftCols(n);
        if (i == 0)
            product(weight(i), Xb, bias(i).data(), Z, ws.thin_scratch.data());
        else
            product(weight(i), ws.A[i].leftCols(n), bias(i).data(), Z, ws.thin_scratch.data());
        if (!output) activate(config_.hidden_activations[i], slope, Z);
    }
    auto Y = ws.A[L].leftCols(n);
    Y = ws.Z_out.leftCols(n);
    if (config_.output_activation == Activation::softmax) {
        auto log_partition = ws.log_partition.leftCols(n);
        softmax_in_place(Y, log_partition, ws.by_sample);
    } else {
        activate(config_.output_activation, slope, Y);
    }
}

// Backpropagation for the block last passed to forward_block.  Writes the gradient
// of the block's mean loss (plus the L2 term) into `grad`; returns the block's mean loss.
template <class Scalar>
double MLP<Scalar>::backward_block(const ConstRef& Xb, const ConstRef& Tb, Workspace& ws,
                                   Vector& grad) const {
    const Eigen::Index n = Xb.cols();
    const int L = n_weight_layers();
    const auto slope = static_cast<Scalar>(config_.leaky_slope);
    const double loss_value =
        loss_sum<Matrix, RowVector>(config_.loss, config_.output_activation, ws.Z_out.leftCols(n),
                                    ws.A[L].leftCols(n), Tb, ws.log_partition.leftCols(n)) /
        static_cast<double>(n);

    auto delta_out = ws.delta[L].leftCols(n);
    output_delta<Matrix>(config_.loss, config_.output_activation, slope, ws.A[L].leftCols(n), Tb, n,
                         delta_out);

    for (int i = L - 1; i >= 0; --i) {
        const auto delta = ws.delta[i + 1].leftCols(n);
        auto dW = weight_mut(i, grad);
        auto db = bias_mut(i, grad);
        if (i == 0)
            weight_gradient(delta, Xb, dW, db, ws.ones, ws.thin_scratch.data());
        else
            weight_gradient(delta, ws.A[i].leftCols(n), dW, db, ws.ones, ws.thin_scratch.data());
        if (config_.l2 != 0) dW += static_cast<Scalar>(config_.l2) * weight(i);
        if (i > 0) {
            // The input layer needs no delta: skipping it saves a third of layer 1's work.
            auto below = ws.delta[i].leftCols(n);
            product(weight(i).transpose(), delta, nullptr, below, ws.thin_scratch.data());
            multiply_by_derivative(config_.hidden_activations[i - 1], slope, below,
                                   ws.A[i].leftCols(n));
        }
    }
    return loss_value;
}

// ---------------------------------------------------------------------------
template <class Scalar>
std::vector<typename MLP<Scalar>::Matrix> MLP<Scalar>::forward(const ConstRef& X) const {
    check_inputs(X, "X");
    ThreadBudget threads(threads_for(X.cols()));
    Workspace ws(config_.layers, X.cols(), false);
    forward_block(X, ws);
    std::vector<Matrix> activations;
    activations.reserve(config_.layers.size());
    activations.emplace_back(X);
    for (int i = 1; i <= n_weight_layers(); ++i) activations.push_back(std::move(ws.A[i]));
    return activations;
}

template <class Scalar>
double MLP<Scalar>::flops_per_sample() const {
    double flops = 0.0;
    for (std::size_t i = 0; i + 1 < config_.layers.size(); ++i)
        flops += 2.0 * config_.layers[i] * config_.layers[i + 1];
    return flops;
}

// Samples per block of a forward-only pass: kPredictBlock, fewer for big networks.
template <class Scalar>
Eigen::Index MLP<Scalar>::block_columns() const {
    const double fit = std::floor(kPollFlops / flops_per_sample());
    return fit >= static_cast<double>(kPredictBlock)
               ? kPredictBlock
               : std::max<Eigen::Index>(kMinPollColumns, Eigen::Index(fit));
}

// Samples per forward and backward pass in fit (a pass costs about three forward ones).
template <class Scalar>
Eigen::Index MLP<Scalar>::chunk_columns() const {
    const double fit = std::floor(kPollFlops / (3.0 * flops_per_sample()));
    return fit >= 1e15 ? Eigen::Index(1e15)
                       : std::max<Eigen::Index>(kMinPollColumns, Eigen::Index(fit));
}

// Many blocks (a 500 x 500 decision-boundary grid is 62): threads take contiguous
// shares, each with its own workspace and one-thread GEMMs, which beats splitting
// every small GEMM.  Few blocks: one workspace, and big GEMMs get the threads.
// The blocks are the same either way, so the numbers are too.
template <class Scalar>
template <class Visit>
void MLP<Scalar>::for_each_block(const ConstRef& X, const Interrupt& interrupt,
                                 Visit&& visit) const {
    const Eigen::Index columns = X.cols(), block = block_columns();
    const Eigen::Index blocks = (columns + block - 1) / block;
    const Eigen::Index capacity = std::min(columns, block);
    auto run = [&](Eigen::Index first, Eigen::Index last, Workspace& ws, const auto& poll) {
        for (Eigen::Index b = first; b < last; ++b) {
            const Eigen::Index start = b * block, n = std::min(block, columns - start);
            forward_block(X.middleCols(start, n), ws);
            visit(b, start, n, ws);
            poll();
        }
    };
    const int threads =
        static_cast<int>(std::min<Eigen::Index>(get_num_threads(), blocks / kBlocksPerThread));
    if (threads <= 1) {
        ThreadBudget budget(threads_for(capacity));
        Workspace ws(config_.layers, capacity, false);
        InterruptPoller poller(interrupt);
        run(0, blocks, ws, [&] { poller.poll(); });
        return;
    }
    parallel_for(
        threads,
        [&](int t, const Interrupt& check) {
            Workspace ws(config_.layers, capacity, false);
            run(blocks * t / threads, blocks * (t + 1) / threads, ws, check);
        },
        interrupt, threads);
}

template <class Scalar>
typename MLP<Scalar>::Matrix MLP<Scalar>::predict(const ConstRef& X,
                                                  const Interrupt& interrupt) const {
    check_inputs(X, "X");
    Matrix Y(config_.layers.back(), X.cols());
    const int L = n_weight_layers();
    for_each_block(X, interrupt,
                   [&](Eigen::Index, Eigen::Index start, Eigen::Index n, Workspace& ws) {
                       Y.middleCols(start, n) = ws.A[L].leftCols(n);
                   });
    return Y;
}

template <class Scalar>
double MLP<Scalar>::loss(const ConstRef& X, const ConstRef& T, const Interrupt& interrupt) const {
    check_inputs(X, "X");
    check_targets(X, T, "y");
    const int L = n_weight_layers();
    // One sum per block, added up in block order: the same total on any thread count.
    const Eigen::Index block = block_columns();
    std::vector<double> sums(static_cast<std::size_t>((X.cols() + block - 1) / block));
    for_each_block(
        X, interrupt, [&](Eigen::Index b, Eigen::Index start, Eigen::Index n, Workspace& ws) {
            sums[static_cast<std::size_t>(b)] = loss_sum<Matrix, RowVector>(
                config_.loss, config_.output_activation, ws.Z_out.leftCols(n), ws.A[L].leftCols(n),
                T.middleCols(start, n), ws.log_partition.leftCols(n));
        });
    const double total = std::accumulate(sums.begin(), sums.end(), 0.0);
    return total / static_cast<double>(X.cols()) + l2_penalty();
}

template <class Scalar>
Eigen::Index MLP<Scalar>::count_correct(const ConstRef& X, const ConstRef& T, AccuracyRule rule,
                                        double threshold, const Interrupt& interrupt) const {
    check_inputs(X, "X");
    check_targets(X, T, "y");
    const Matrix Y = predict(X, interrupt);
    return correct_in_block<Matrix>(Y, T, rule, threshold);
}

// One forward and backward pass over the whole of (X, T), checked: the gradient
// goes into `grad`, the batch's mean data loss is returned.
template <class Scalar>
double MLP<Scalar>::batch_gradient(const ConstRef& X, const ConstRef& T, Vector& grad,
                                   std::vector<Matrix>* deltas) const {
    check_inputs(X, "X");
    check_targets(X, T, "y");
    ThreadBudget threads(threads_for(X.cols()));
    Workspace ws(config_.layers, X.cols(), true);
    grad.resize(params_.size());
    forward_block(X, ws);
    const double value = backward_block(X, T, ws, grad);
    if (deltas != nullptr) {
        // delta[0] (the input layer's) is never computed: layers 1..L are handed out.
        deltas->assign(std::make_move_iterator(ws.delta.begin() + 1),
                       std::make_move_iterator(ws.delta.end()));
    }
    return value;
}

template <class Scalar>
typename MLP<Scalar>::Vector MLP<Scalar>::gradient(const ConstRef& X, const ConstRef& T,
                                                   std::vector<Matrix>* deltas) const {
    Vector grad;
    batch_gradient(X, T, grad, deltas);
    return grad;
}

// The function of the flat parameter vector that full-batch optimizers minimise.
template <class Scalar>
double MLP<Scalar>::loss_and_gradient(const Eigen::Ref<const Vector>& p, const ConstRef& X,
                                      const ConstRef& T, Vector& grad) {
    set_parameters(p);
    return batch_gradient(X, T, grad) + l2_penalty();
}

// One L-BFGS iteration on all of (X, T) from the current parameters, where the
// loss is `value` and its gradient `grad`; leaves the new point's in both.
template <class Scalar>
LbfgsStep MLP<Scalar>::lbfgs_iteration(const ConstRef& X, const ConstRef& T, Workspace& ws,
                                       double& value, Vector& grad, long long evaluations_left,
                                       InterruptPoller& poller, bool* forward_is_current) {
    auto f = [&](const Vector& p, Vector& g) {
        poller.poll();
        params_ = p;
        g.resize(params_.size());
        forward_block(X, ws);
        return backward_block(X, T, ws, g) + l2_penalty();
    };
    Vector x = params_;
    const LbfgsStep step =
        Lbfgs<Scalar>::iterate(f, x, value, grad, optimizer_state_.lbfgs_memory(params_.size()),
                               config_.optimizer.lbfgs(), evaluations_left);
    // The accepted point need not be the last one evaluated (whose forward pass ws holds).
    if (forward_is_current) *forward_is_current = params_ == x;
    params_ = x;
    return step;
}

// One L-BFGS iteration as fit's epoch: the loss after it (the first one evaluates
// the starting point too), with the evaluations and the reason to stop in `run`.
template <class Scalar>
double MLP<Scalar>::lbfgs_epoch(const ConstRef& X, const ConstRef& T, const FitOptions& options,
                                Workspace& ws, LbfgsRun& run, InterruptPoller& poller,
                                Eigen::Index& correct) {
    if (run.evaluations == 0) {
        run.grad.resize(params_.size());
        forward_block(X, ws);
        run.value = backward_block(X, T, ws, run.grad) + l2_penalty();
        run.start_value = run.value;
        run.evaluations = 1;
    }
    bool forward_is_current = false;
    const LbfgsStep step =
        lbfgs_iteration(X, T, ws, run.value, run.grad, config_.optimizer.max_fun - run.evaluations,
                        poller, &forward_is_current);
    run.evaluations += step.evaluations;
    run.stop = step.stop;
    history_.function_evaluations.push_back(run.evaluations);
    if (options.accuracy != AccuracyRule::none) {
        if (!forward_is_current) forward_block(X, ws);
        correct = correct_in_block<Matrix>(ws.A[n_weight_layers()].leftCols(X.cols()), T,
                                           options.accuracy, options.threshold);
    }
    return run.value;
}

// Gradient clipping by the global norm (Pascanu, Mikolov & Bengio 2013):
// g ← g · min(1, max_grad_norm / ‖g‖₂) over every parameter at once, so the
// update keeps its direction.  The gradient includes the L2 term.
template <class Scalar>
void MLP<Scalar>::clip_gradient(Vector& grad) const {
    if (config_.max_grad_norm <= 0) return;
    const double norm = static_cast<double>(grad.template cast<double>().norm());
    if (norm > config_.max_grad_norm) grad *= static_cast<Scalar>(config_.max_grad_norm / norm);
}

template <class Scalar>
double MLP<Scalar>::step(const ConstRef& X, const ConstRef& T) {
    Vector grad;
    double value = batch_gradient(X, T, grad) + l2_penalty();
    if (config_.optimizer.kind == Optimizer::lbfgs) {
        const double before = value;
        ThreadBudget threads(threads_for(X.cols()));
        Workspace ws(config_.layers, X.cols(), true);
        const Interrupt no_interrupt;
        InterruptPoller poller(no_interrupt);
        lbfgs_iteration(X, T, ws, value, grad, config_.optimizer.max_fun, poller);
        return before;
    }
    Vector before = params_;
    OptimizerSettings settings = config_.optimizer;
    settings.learning_rate = schedule_state_.rate(config_.schedule, settings.learning_rate);
    clip_gradient(grad);
    optimizer_state_.update(settings, params_, grad);
    if (!params_.allFinite()) {
        params_ = before;
        throw DivergenceError(
            "training diverged: a weight became infinite or NaN in this step; the previous "
            "weights were kept (lower learning_rate, now " +
            str(config_.optimizer.learning_rate) + ")");
    }
    return value;
}

// ---------------------------------------------------------------------------
void FitOptions::validate(const std::string& prefix) const {
    require(epochs >= 1,
            prefix + "epochs: expected an integer >= 1, got " + std::to_string(epochs));
    require(patience >= 1,
            prefix + "patience: expected an integer >= 1, got " + std::to_string(patience));
    require(std::isfinite(tol) && tol >= 0,
            prefix + "tol: expected a number >= 0, got " + str(tol));
    require(callback_every >= 1, prefix + "callback_every: expected an integer >= 1, got " +
                                     std::to_string(callback_every));
}

namespace {

// Stops a fit once the monitored loss has not improved by more than `tol` for
// `patience` epochs, and keeps the best epoch's weights for restore_best.
template <class Vector>
class EarlyStopping {
  public:
    EarlyStopping(const FitOptions& options, const Vector& weights)
        : options_(options), best_(weights) {}

    // After each epoch; true when the fit should stop.
    bool stop_after(int epoch, double monitored, const Vector& weights, History& history) {
        if (!options_.early_stopping) return false;
        if (monitored < best_monitored_ - options_.tol) {
            best_monitored_ = monitored;
            history.best_epoch = epoch;
            epochs_without_improvement_ = 0;
            if (options_.restore_best) best_ = weights;
        } else if (++epochs_without_improvement_ >= options_.patience) {
            history.stopped_by = "early_stopping";
            return true;
        }
        return false;
    }

    // At the end of the fit: the best epoch's weights, when asked for.
    void restore(Vector& weights, const History& history) const {
        if (options_.early_stopping && options_.restore_best && history.best_epoch > 0)
            weights = best_;
    }

  private:
    const FitOptions& options_;
    Vector best_;
    double best_monitored_ = std::numeric_limits<double>::infinity();
    int epochs_without_improvement_ = 0;
};

}  // namespace

// What fit keeps from epoch to epoch: every buffer is sized once here, so the
// epoch loop allocates nothing.
template <class Scalar>
struct MLP<Scalar>::FitState {
    Eigen::Index batch;
    // Samples per forward and backward pass: the batch, or chunks of it whose
    // gradients are added up when one pass would run longer than kPollFlops.
    Eigen::Index chunk;
    bool gather;  // a shuffled minibatch is copied together (a full batch needs no shuffling)
    Workspace ws;
    Vector grad, chunk_grad;
    OptimizerSettings optimizer;  // the model's, at the epoch's scheduled rate
    std::vector<Eigen::Index> order;
    // Weights at the start of the fit, of this epoch and of the previous one (= the
    // ends of the two epochs before), for divergence; swapped, never reallocated.
    const Vector fit_start;
    Vector epoch_start, previous_epoch_start;
    // The loss of fit_start on (X, T), for the growth rule; NaN until known (a full
    // batch's first epoch measures it, minibatches compute it once an epoch's loss
    // passes kDivergenceGrowth * kDivergenceFloor).
    double start_loss = std::numeric_limits<double>::quiet_NaN();

    // An epoch loss above this is divergence (infinite while the start loss is unknown).
    double loss_limit() const {
        return std::isfinite(start_loss)
                   ? kDivergenceGrowth * std::max(start_loss, kDivergenceFloor)
                   : std::numeric_limits<double>::infinity();
    }

    FitState(const MLP& model, const ConstRef& X, const ConstRef& T, Eigen::Index batch_size)
        : batch(batch_size),
          chunk(std::min(batch_size, model.chunk_columns())),
          gather(model.config_.shuffle && batch_size < X.cols()),
          ws(model.config_.layers, chunk, true),
          grad(model.params_.size()),
          chunk_grad(chunk < batch ? model.params_.size() : 0),
          optimizer(model.config_.optimizer),
          order(static_cast<std::size_t>(X.cols())),
          fit_start(model.params_),
          epoch_start(model.params_),
          previous_epoch_start(model.params_) {
        if (gather) {
            ws.X_gathered.resize(X.rows(), chunk);
            ws.T_gathered.resize(T.rows(), chunk);
        }
        std::iota(order.begin(), order.end(), Eigen::Index(0));
    }

    void begin_epoch(const Vector& weights) {
        previous_epoch_start.swap(epoch_start);
        epoch_start = weights;
    }
};

template <class Scalar>
const History& MLP<Scalar>::fit(const ConstRef& X, const ConstRef& T, const FitOptions& options,
                                const ConstRef* Xval, const ConstRef* Tval) {
    check_inputs(X, "X");
    check_targets(X, T, "y");
    options.validate();
    const bool validate = Xval != nullptr && Tval != nullptr;
    if (validate) {
        check_inputs(*Xval, "validation X");
        check_targets(*Xval, *Tval, "validation y");
    }

    history_ = History();
    const Eigen::Index n = X.cols();
    const Eigen::Index batch =
        config_.batch_size == 0 ? n : std::min<Eigen::Index>(config_.batch_size, n);
    ThreadBudget threads(threads_for(batch));
    FitState state(*this, X, T, batch);
    EarlyStopping<Vector> early_stopping(options, params_);
    InterruptPoller poller(options.interrupt);
    history_.stopped_by = "epochs";
    std::optional<LbfgsRun> lbfgs_run;
    if (config_.optimizer.kind == Optimizer::lbfgs) lbfgs_run.emplace();

    for (int epoch = 1; epoch <= options.epochs; ++epoch) {
        poller.poll();
        state.begin_epoch(params_);
        const double rate = schedule_state_.rate(config_.schedule, config_.optimizer.learning_rate);
        state.optimizer.learning_rate = rate;
        Eigen::Index correct = 0;
        const double epoch_loss =
            lbfgs_run ? lbfgs_epoch(X, T, options, state.ws, *lbfgs_run, poller, correct)
                      : train_epoch(X, T, options, state, poller, correct);
        if (epoch == 1 && batch == n)  // measured before the update
            state.start_loss = lbfgs_run ? lbfgs_run->start_value : epoch_loss;
        if (diverged(X, T, epoch_loss, state))
            recover_from_divergence(X, T, epoch, epoch_loss, state);

        const EpochRecord record =
            record_epoch(epoch, epoch_loss, correct, n, options, validate ? Xval : nullptr, Tval);
        history_.learning_rate.push_back(rate);
        const double monitored = validate ? record.val_loss : record.loss;
        schedule_state_.end_epoch(config_.schedule, static_cast<long long>(n), monitored);
        bool stop = early_stopping.stop_after(epoch, monitored, params_, history_);
        if (lbfgs_run && lbfgs_run->stop != LbfgsStop::none && !stop) {
            history_.stopped_by = std::string(name_of(lbfgs_run->stop));
            stop = true;
        }
        if (options.callback &&
            (epoch % options.callback_every == 0 || epoch == options.epochs || stop)) {
            if (!options.callback(record) && !stop) {
                history_.stopped_by = "callback";
                stop = true;
            }
        }
        if (stop) break;
    }
    early_stopping.restore(params_, history_);
    return history_;
}

// One pass over (X, T) in minibatches, one optimizer update each; returns the
// epoch's loss (the mean of each batch's loss before its update) and counts the
// samples predicted correctly on the way.
template <class Scalar>
double MLP<Scalar>::train_epoch(const ConstRef& X, const ConstRef& T, const FitOptions& options,
                                FitState& state, InterruptPoller& poller, Eigen::Index& correct) {
    const Eigen::Index n = X.cols(), batch = state.batch;
    if (state.gather) rng_.shuffle(state.order);
    double loss_total = 0.0;
    for (Eigen::Index start = 0; start < n; start += batch) {
        const Eigen::Index m = std::min(batch, n - start);
        const double penalty = l2_penalty();
        const double batch_loss =
            minibatch_gradient(X, T, start, m, options, state, poller, correct);
        loss_total += (batch_loss + penalty) * static_cast<double>(m);
        clip_gradient(state.grad);
        optimizer_state_.update(state.optimizer, params_, state.grad);
        poller.poll();
    }
    return loss_total / static_cast<double>(n);
}

// The gradient of the minibatch of samples [start, start + m) of the epoch into
// state.grad; returns its mean loss.  A minibatch bigger than a chunk is the mean of
// its chunks' gradients and losses weighted by their sizes, with a poll after each.
template <class Scalar>
double MLP<Scalar>::minibatch_gradient(const ConstRef& X, const ConstRef& T, Eigen::Index start,
                                       Eigen::Index m, const FitOptions& options, FitState& state,
                                       InterruptPoller& poller, Eigen::Index& correct) {
    if (m <= state.chunk)
        return chunk_gradient(X, T, start, m, options, state, state.grad, correct);
    double loss_value = 0.0;
    for (Eigen::Index c = 0; c < m; c += state.chunk) {
        const Eigen::Index mc = std::min(state.chunk, m - c);
        const double share = static_cast<double>(mc) / static_cast<double>(m);
        Vector& g = c == 0 ? state.grad : state.chunk_grad;
        loss_value += share * chunk_gradient(X, T, start + c, mc, options, state, g, correct);
        if (c == 0)
            state.grad *= static_cast<Scalar>(share);
        else
            state.grad += static_cast<Scalar>(share) * state.chunk_grad;
        poller.poll();
    }
    return loss_value;
}

// One forward and backward pass over samples [first, first + m) of the epoch (in
// its shuffled order when gathering): the gradient into `grad`, the mean loss returned.
template <class Scalar>
double MLP<Scalar>::chunk_gradient(const ConstRef& X, const ConstRef& T, Eigen::Index first,
                                   Eigen::Index m, const FitOptions& options, FitState& state,
                                   Vector& grad, Eigen::Index& correct) {
    const int L = n_weight_layers();
    Workspace& ws = state.ws;
    double chunk_loss;
    if (state.gather) {
        for (Eigen::Index j = 0; j < m; ++j) {
            const Eigen::Index sample = state.order[static_cast<std::size_t>(first + j)];
            ws.X_gathered.col(j) = X.col(sample);
            ws.T_gathered.col(j) = T.col(sample);
        }
        const ConstRef Xb = ws.X_gathered.leftCols(m);
        const ConstRef Tb = ws.T_gathered.leftCols(m);
        forward_block(Xb, ws);
        chunk_loss = backward_block(Xb, Tb, ws, grad);
        correct +=
            correct_in_block<Matrix>(ws.A[L].leftCols(m), Tb, options.accuracy, options.threshold);
    } else {
        const ConstRef Xb = X.middleCols(first, m);
        const ConstRef Tb = T.middleCols(first, m);
        forward_block(Xb, ws);
        chunk_loss = backward_block(Xb, Tb, ws, grad);
        correct +=
            correct_in_block<Matrix>(ws.A[L].leftCols(m), Tb, options.accuracy, options.threshold);
    }
    return chunk_loss;
}

// fit's divergence rule (kDivergenceGrowth) after an epoch.
template <class Scalar>
bool MLP<Scalar>::diverged(const ConstRef& X, const ConstRef& T, double epoch_loss,
                           FitState& state) {
    if (!std::isfinite(epoch_loss) || !params_.allFinite()) return true;
    if (epoch_loss <= kDivergenceGrowth * kDivergenceFloor) return false;
    if (std::isnan(state.start_loss)) state.start_loss = loss_of(state.fit_start, X, T);
    return epoch_loss > state.loss_limit();
}

// The loss on (X, T) that `weights` would have.
template <class Scalar>
double MLP<Scalar>::loss_of(const Vector& weights, const ConstRef& X, const ConstRef& T) {
    Vector current = weights;
    params_.swap(current);
    const double value = loss(X, T);
    params_.swap(current);
    return value;
}

// The epoch diverged (see kDivergenceGrowth).  The weights this epoch started from
// are finite, but the last update of the epoch before may already have sent their
// loss to infinity (their outputs would be inf or NaN) or past the limit: keep the
// latest weights whose loss is acceptable, forget the optimizer's velocity that
// blew up, and throw.
template <class Scalar>
void MLP<Scalar>::recover_from_divergence(const ConstRef& X, const ConstRef& T, int epoch,
                                          double epoch_loss, FitState& state) {
    if (std::isnan(state.start_loss)) state.start_loss = loss_of(state.fit_start, X, T);
    const double limit = state.loss_limit();
    const std::pair<const Vector*, int> candidates[] = {
        {&state.epoch_start, epoch - 1},
        {&state.previous_epoch_start, std::max(0, epoch - 2)},
        {&state.fit_start, 0}};
    int kept = -1;
    for (const auto& [weights, end_of_epoch] : candidates) {
        params_ = *weights;
        const double value = loss(X, T);
        if (std::isfinite(value) && value <= limit) {
            kept = end_of_epoch;
            break;
        }
    }
    optimizer_state_.reset(config_.optimizer, params_.size());
    const bool grew = std::isfinite(epoch_loss) && epoch_loss > limit;
    const std::string acceptable =
        std::isfinite(limit) ? "a finite loss below " + str(limit) : std::string("a finite loss");
    const std::string which =
        kept < 0
            ? "none of its weights had " + acceptable + "; the weights fit started from were kept"
        : kept == 0 ? std::string("the weights fit started from were kept")
                    : "the weights from the end of epoch " + std::to_string(kept) +
                          ", the last with " + acceptable + ", were kept";
    throw DivergenceError(
        "training diverged at epoch " + std::to_string(epoch) + " (loss " + str(epoch_loss) +
        (grew ? ", more than " + str(kDivergenceGrowth) + " times the starting weights' " +
                    str(state.start_loss)
              : std::string()) +
        "); " + which + ". Lower learning_rate (now " + str(config_.optimizer.learning_rate) + ")");
}

// The epoch's entry in the history (and for the callback), with the validation
// loss and accuracies when asked for.
template <class Scalar>
EpochRecord MLP<Scalar>::record_epoch(int epoch, double epoch_loss, Eigen::Index correct,
                                      Eigen::Index n, const FitOptions& options,
                                      const ConstRef* Xval, const ConstRef* Tval) {
    EpochRecord record;
    record.epoch = epoch;
    record.loss = epoch_loss;
    history_.loss.push_back(epoch_loss);
    if (options.accuracy != AccuracyRule::none) {
        record.accuracy = static_cast<double>(correct) / static_cast<double>(n);
        history_.accuracy.push_back(record.accuracy);
    }
    if (Xval != nullptr) {
        record.val_loss = loss(*Xval, *Tval, options.interrupt);
        history_.val_loss.push_back(record.val_loss);
        if (options.accuracy != AccuracyRule::none) {
            record.val_accuracy =
                static_cast<double>(count_correct(*Xval, *Tval, options.accuracy, options.threshold,
                                                  options.interrupt)) /
                static_cast<double>(Xval->cols());
            history_.val_accuracy.push_back(record.val_accuracy);
        }
    }
    return record;
}

template class MLP<float>;
template class MLP<double>;

}  // namespace annlib
