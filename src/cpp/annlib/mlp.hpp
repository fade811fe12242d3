// A multi-layer perceptron: layers, forward, backward, step and the fit loop.
//
// Layout: samples are COLUMNS.  A numpy array X of shape (n, d) in C order is,
// without any copy, the column-major Eigen matrix Xᵀ of shape (d × n), so
// every layer is one GEMM  Z = W·A + b  with W of shape (out × in).  In numpy
// terms the same memory is W of shape (in, out) and  Z = X @ W + b, which is how
// the Python API shows it.
//
// All parameters live in one flat vector (per layer: W column-major, then b),
// so the optimizer update, the divergence snapshot and save/load are single
// vector operations; weight(i) and bias(i) are views into it.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "annlib/activation.hpp"
#include "annlib/control.hpp"
#include "annlib/init.hpp"
#include "annlib/loss.hpp"
#include "annlib/names.hpp"
#include "annlib/optimizer.hpp"
#include "annlib/random.hpp"
#include "annlib/schedule.hpp"

namespace annlib {

struct MLPConfig {
    std::vector<int> layers;                     // [n_inputs, hidden..., n_outputs]
    std::vector<Activation> hidden_activations;  // one per hidden layer
    Activation output_activation = Activation::identity;
    double leaky_slope = 0.01;
    Loss loss = Loss::mse;
    OptimizerSettings optimizer;
    ScheduleSettings schedule;   // the learning rate of each epoch of fit
    double l2 = 0.0;             // adds (l2/2)·Σ W² to the loss (biases are not penalised)
    double max_grad_norm = 0.0;  // > 0: the update's gradient is scaled to at most this 2-norm
    int batch_size = 0;          // 0: full batch; 1: online; k: minibatches of k
    bool shuffle = true;
    Init init = Init::glorot;
    double init_mean = 0.0;
    double init_std = 0.1;
    std::uint64_t seed = 0;

    // Throws std::invalid_argument naming the first bad field.
    void validate() const;
};

// How fit counts correct predictions for the accuracy history.
enum class AccuracyRule {
    none,       // regression: no accuracy
    argmax,     // the largest output is the class (softmax / one-hot targets)
    threshold,  // every output on the same side of `threshold` as its target
};
template <>
inline constexpr auto kNames<AccuracyRule> = name_table<AccuracyRule>({
    {"none", AccuracyRule::none},
    {"argmax", AccuracyRule::argmax},
    {"threshold", AccuracyRule::threshold},
});

struct EpochRecord {
    int epoch = 0;  // 1-based
    double loss = 0.0;
    double accuracy = 0.0;
    double val_loss = 0.0;
    double val_accuracy = 0.0;
};

struct History {
    std::vector<double> loss, accuracy, val_loss, val_accuracy;
    std::vector<double> learning_rate;            // the rate each epoch used (schedule.hpp)
    std::vector<long long> function_evaluations;  // lbfgs: loss evaluations up to each iteration
    int best_epoch = 0;      // epoch whose weights were kept by early stopping (0: none)
    std::string stopped_by;  // "epochs", "early_stopping", "callback" or lbfgs's LbfgsStop
};

// fit's rule for divergence, checked after every epoch: the epoch's loss is not
// finite, or a weight is not finite, or the epoch's loss exceeds kDivergenceGrowth
// times the loss of the weights fit started from (taken as at least
// kDivergenceFloor, so a fit that starts from a perfect fit needs a loss above 1).
// A loss that grows by eight orders of magnitude is never training, and stopping
// there keeps the weights far from overflowing.
inline constexpr double kDivergenceGrowth = 1e8;
inline constexpr double kDivergenceFloor = 1e-8;

struct FitOptions {
    int epochs = 100;
    AccuracyRule accuracy = AccuracyRule::none;
    double threshold = 0.5;
    bool early_stopping = false;
    int patience = 10;
    double tol = 1e-4;
    bool restore_best = true;
    int callback_every = 1;
    // Called after every `callback_every` epochs and after the last; return false to stop.
    std::function<bool(const EpochRecord&)> callback;
    Interrupt interrupt;

    // Throws std::invalid_argument naming the first bad field, after `prefix`.
    void validate(const std::string& prefix = "") const;
};

template <class Scalar>
class MLP {
  public:
    using Matrix = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic>;
    using Vector = Eigen::Matrix<Scalar, Eigen::Dynamic, 1>;
    using RowVector = Eigen::Matrix<Scalar, 1, Eigen::Dynamic>;
    using ConstRef = Eigen::Ref<const Matrix>;
    using WeightMap = Eigen::Map<Matrix>;
    using ConstWeightMap = Eigen::Map<const Matrix>;
    using BiasMap = Eigen::Map<Vector>;
    using ConstBiasMap = Eigen::Map<const Vector>;

    explicit MLP(MLPConfig config);

    const MLPConfig& config() const { return config_; }
    // New hyper-parameters for the same layer sizes; changing the optimizer kind resets its state.
    void set_config(MLPConfig config);
    // Re-seeds the generator, draws fresh weights and clears the optimizer state.
    void reset();

    int n_weight_layers() const { return static_cast<int>(config_.layers.size()) - 1; }
    Eigen::Index n_parameters() const { return params_.size(); }

    ConstWeightMap weight(int i) const;  // (out × in)
    ConstBiasMap bias(int i) const;      // (out)
    void set_weight(int i, const ConstRef& w);
    void set_bias(int i, const Eigen::Ref<const Vector>& b);
    const Vector& parameters() const { return params_; }
    void set_parameters(const Eigen::Ref<const Vector>& p);

    // Generator and optimizer state: what a copy needs to continue training exactly.
    Rng& rng() { return rng_; }
    const Rng& rng() const { return rng_; }
    OptimizerState<Scalar>& optimizer_state() { return optimizer_state_; }
    const OptimizerState<Scalar>& optimizer_state() const { return optimizer_state_; }
    ScheduleState& schedule_state() { return schedule_state_; }
    const ScheduleState& schedule_state() const { return schedule_state_; }

    // Every layer's activations [X, A1, ..., AL] for X (inputs × samples).
    std::vector<Matrix> forward(const ConstRef& X) const;
    // The output layer's activations, computed in blocks of samples.
    Matrix predict(const ConstRef& X, const Interrupt& interrupt = Interrupt()) const;
    // Mean loss over the samples plus the L2 penalty: what training minimises.
    double loss(const ConstRef& X, const ConstRef& T,
                const Interrupt& interrupt = Interrupt()) const;
    // ∂loss/∂parameters in the layout of parameters(); the model is not changed.  With
    // `deltas`, also every layer's δ = ∂loss/∂Z (layers 1..L, each units × samples).
    Vector gradient(const ConstRef& X, const ConstRef& T,
                    std::vector<Matrix>* deltas = nullptr) const;
    // The training loss at parameters p, which become the model's, and its gradient:
    // the function of the flat parameter vector that rprop and lbfgs minimise.
    double loss_and_gradient(const Eigen::Ref<const Vector>& p, const ConstRef& X,
                             const ConstRef& T, Vector& grad);
    // One optimizer update on the batch (X, T) (lbfgs: one iteration with its line
    // search) at the schedule's current rate (the schedule does not advance: it counts
    // fit's epochs); returns the loss before the update.
    double step(const ConstRef& X, const ConstRef& T);
    // The whole training loop.  Xval/Tval may be null.  Throws DivergenceError when an
    // epoch diverges (kDivergenceGrowth), with the latest weights whose loss on (X, T) is
    // finite and below the limit restored (the end of one of the two previous epochs,
    // else the start) and the optimizer state reset.
    const History& fit(const ConstRef& X, const ConstRef& T, const FitOptions& options,
                       const ConstRef* Xval, const ConstRef* Tval);
    // The history of the last (or current, or interrupted) fit.
    const History& history() const { return history_; }

    // Number of samples of (X, T) that `rule` counts as correctly predicted.
    Eigen::Index count_correct(const ConstRef& X, const ConstRef& T, AccuracyRule rule,
                               double threshold, const Interrupt& interrupt = Interrupt()) const;

  private:
    struct Workspace;

    void check_inputs(const ConstRef& X, const char* name) const;
    void check_targets(const ConstRef& X, const ConstRef& T, const char* name) const;
    WeightMap weight_mut(int i, Vector& p) const;
    BiasMap bias_mut(int i, Vector& p) const;
    double l2_penalty() const;
    void clip_gradient(Vector& grad) const;  // max_grad_norm
    int threads_for(Eigen::Index samples) const;
    void forward_block(const ConstRef& Xb, Workspace& ws) const;
    // Runs forward_block over X in blocks of block_columns() samples, hands each to
    // visit(block, start, columns, ws) and polls `interrupt` between blocks; defined
    // and used in mlp.cpp only.
    template <class Visit>
    void for_each_block(const ConstRef& X, const Interrupt& interrupt, Visit&& visit) const;
    double flops_per_sample() const;
    Eigen::Index block_columns() const;
    Eigen::Index chunk_columns() const;
    double backward_block(const ConstRef& Xb, const ConstRef& Tb, Workspace& ws,
                          Vector& grad) const;
    double batch_gradient(const ConstRef& X, const ConstRef& T, Vector& grad,
                          std::vector<Matrix>* deltas = nullptr) const;
    LbfgsStep lbfgs_iteration(const ConstRef& X, const ConstRef& T, Workspace& ws, double& value,
                              Vector& grad, long long evaluations_left, InterruptPoller& poller,
                              bool* forward_is_current = nullptr);
    // What fit keeps between lbfgs iterations: the loss and gradient at the weights.
    struct LbfgsRun {
        double value = 0.0, start_value = 0.0;  // at the weights now and at the start
        Vector grad;
        long long evaluations = 0;
        LbfgsStop stop = LbfgsStop::none;
    };
    double lbfgs_epoch(const ConstRef& X, const ConstRef& T, const FitOptions& options,
                       Workspace& ws, LbfgsRun& run, InterruptPoller& poller,
                       Eigen::Index& correct);
    // fit's parts: one epoch, the way back from divergence, the history entry.
    struct FitState;
    double train_epoch(const ConstRef& X, const ConstRef& T, const FitOptions& options,
                       FitState& state, InterruptPoller& poller, Eigen::Index& correct);
    bool diverged(const ConstRef& X, const ConstRef& T, double epoch_loss, FitState& state);
    double loss_of(const Vector& weights, const ConstRef& X, const ConstRef& T);
    double minibatch_gradient(const ConstRef& X, const ConstRef& T, Eigen::Index start,
                              Eigen::Index m, const FitOptions& options, FitState& state,
                              InterruptPoller& poller, Eigen::Index& correct);
    double chunk_gradient(const ConstRef& X, const ConstRef& T, Eigen::Index first, Eigen::Index m,
                          const FitOptions& options, FitState& state, Vector& grad,
                          Eigen::Index& correct);
    [[noreturn]] void recover_from_divergence(const ConstRef& X, const ConstRef& T, int epoch,
                                              double epoch_loss, FitState& state);
    EpochRecord record_epoch(int epoch, double epoch_loss, Eigen::Index correct, Eigen::Index n,
                             const FitOptions& options, const ConstRef* Xval, const ConstRef* Tval);

    MLPConfig config_;
    std::vector<Eigen::Index> weight_offset_, bias_offset_;
    Vector params_;
    OptimizerState<Scalar> optimizer_state_;
    ScheduleState schedule_state_;
    Rng rng_;
    History history_;
};

extern template class MLP<float>;
extern template class MLP<double>;

}  // namespace annlib
