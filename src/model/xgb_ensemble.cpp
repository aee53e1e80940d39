// Bootstrap ensemble of XGBoost boosters driven through the C API.
#include "iorec/model/xgb_ensemble.hpp"

#include <xgboost/c_api.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "iorec/core/error.hpp"

namespace iorec::model {
namespace {

// In-place prediction settings. Type 0 is the "normal" output, which for rank:ndcg and
// reg:squarederror is the raw margin (identity link).
constexpr const char* kPredictConfig =
    R"({"type": 0, "training": false, "iteration_begin": 0, "iteration_end": 0, )"
    R"("strict_shape": false, "cache_id": 0, "missing": NaN})";
constexpr const char* kSaveConfig = R"({"format": "ubj"})";
constexpr const char* kImportanceConfig = R"({"importance_type": "total_gain"})";
// Below this many rows a prediction is too cheap to be worth starting threads.
constexpr size_t kMinRowsForThreads = 256;

// XGBoost's messages carry a log prefix on the first line and a stack trace after it.
std::string LastXgbError() {
  const char* text = XGBGetLastError();
  std::string message = (text != nullptr && *text != '\0') ? text : "unknown error";
  const size_t newline = message.find('\n');
  if (newline != std::string::npos) message.resize(newline);
  return message;
}

void Check(int rc, const char* what) {
  if (rc != 0) throw core::Error(std::string("xgboost: ") + what + ": " + LastXgbError());
}

struct BoosterFree {
  void operator()(void* handle) const { XGBoosterFree(handle); }
};
struct DMatrixFree {
  void operator()(void* handle) const { XGDMatrixFree(handle); }
};
using BoosterPtr = std::unique_ptr<void, BoosterFree>;
using DMatrixPtr = std::unique_ptr<void, DMatrixFree>;

std::string FormatDouble(double value) {
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof(buffer), value);
  return std::string(buffer, result.ptr);
}

void SetParam(BoosterHandle booster, const char* name, const std::string& value) {
  Check(XGBoosterSetParam(booster, name, value.c_str()), name);
}

// Parameters shared by trained and loaded boosters.
void SetRuntimeParams(BoosterHandle booster) {
  SetParam(booster, "nthread", "1");
  SetParam(booster, "verbosity", "0");
}

// Runs task(i) for i in [0, count), on up to `max_threads` threads (members strided over
// threads) or inline when max_threads <= 1. Rethrows the failure of the lowest index.
template <class Task>
void RunIndexed(size_t count, size_t max_threads, const Task& task) {
  std::vector<std::exception_ptr> errors(count);
  auto run = [&](size_t first, size_t stride) {
    for (size_t i = first; i < count; i += stride) {
      try {
        task(i);
      } catch (...) {
        errors[i] = std::current_exception();
      }
    }
  };
  const size_t num_threads = std::min(count, max_threads);
  if (num_threads <= 1) {
    run(0, 1);
  } else {
    std::vector<std::thread> threads;
    threads.reserve(num_threads);
    for (size_t t = 0; t < num_threads; ++t) threads.emplace_back(run, t, num_threads);
    for (auto& thread : threads) thread.join();
  }
  for (const auto& error : errors) {
    if (error) std::rethrow_exception(error);
  }
}

void ValidateParams(const EnsembleParams& p) {
  core::ProblemList problems;
  if (p.members < 1) problems.Add("members must be >= 1, got " + std::to_string(p.members));
  if (p.num_rounds < 1) {
    problems.Add("num_rounds must be >= 1, got " + std::to_string(p.num_rounds));
  }
  if (p.max_depth < 1) problems.Add("max_depth must be >= 1, got " + std::to_string(p.max_depth));
  if (!(p.learning_rate > 0.0)) {
    problems.Add("learning_rate must be > 0, got " + FormatDouble(p.learning_rate));
  }
  if (!(p.subsample_fraction > 0.0) || !std::isfinite(p.subsample_fraction)) {
    problems.Add("subsample_fraction must be > 0, got " + FormatDouble(p.subsample_fraction));
  }
  if (!(p.min_child_weight >= 0.0)) {
    problems.Add("min_child_weight must be >= 0, got " + FormatDouble(p.min_child_weight));
  }
  if (p.objective == Objective::kRanking && p.relevance_levels < 1) {
    problems.Add("relevance_levels must be >= 1, got " + std::to_string(p.relevance_levels));
  }
  if (!problems.empty()) {
    std::string message = "XgbEnsemble: invalid parameters:";
    for (const auto& problem : problems.items()) message += " " + problem + ";";
    message.pop_back();
    throw core::Error(message);
  }
}

void ValidateDataset(const Dataset& data, Objective objective) {
  const size_t rows = data.num_rows();
  if (rows == 0) throw core::Error("XgbEnsemble::Fit: training set has no rows");
  if (data.num_cols == 0) throw core::Error("XgbEnsemble::Fit: training set has no columns");
  if (data.x.size() != rows * data.num_cols) {
    throw core::Error("XgbEnsemble::Fit: x has " + std::to_string(data.x.size()) +
                      " values, expected rows * cols = " + std::to_string(rows) + " * " +
                      std::to_string(data.num_cols));
  }
  for (double g : data.gain) {
    if (!std::isfinite(g)) throw core::Error("XgbEnsemble::Fit: gain is not finite");
  }
  if (objective == Objective::kRanking) {
    if (data.group.size() != rows) {
      throw core::Error("XgbEnsemble::Fit: " + std::to_string(data.group.size()) +
                        " group ids for " + std::to_string(rows) + " rows");
    }
    if (!std::is_sorted(data.group.begin(), data.group.end())) {
      throw core::Error("XgbEnsemble::Fit: group ids must be non-decreasing");
    }
  }
}

// Trains one member on a bootstrap sample drawn from `rng`.
BoosterPtr TrainMember(const Dataset& data, const std::vector<float>& targets,
                       const EnsembleParams& p, core::Rng rng) {
  const size_t rows = data.num_rows();
  const size_t cols = data.num_cols;
  const bool ranking = p.objective == Objective::kRanking;
  const uint64_t seed = rng.NextU64() >> 33;  // fits XGBoost's signed seed
  const auto sample_size = static_cast<size_t>(
      std::max(1.0, std::round(p.subsample_fraction * static_cast<double>(rows))));
  std::vector<size_t> sample(sample_size);
  for (auto& index : sample) index = static_cast<size_t>(rng.UniformInt(rows));
  // Group ids are non-decreasing, so sorted indices keep each group contiguous.
  std::sort(sample.begin(), sample.end());

  std::vector<float> x(sample_size * cols);
  std::vector<float> labels(sample_size);
  std::vector<unsigned> group_sizes;
  for (size_t i = 0; i < sample_size; ++i) {
    const size_t row = sample[i];
    std::copy_n(data.x.data() + row * cols, cols, x.data() + i * cols);
    labels[i] = targets[row];
    if (ranking) {
      if (i == 0 || data.group[row] != data.group[sample[i - 1]]) group_sizes.push_back(0);
      ++group_sizes.back();
    }
  }

  DMatrixHandle dmatrix_handle = nullptr;
  Check(XGDMatrixCreateFromMat(x.data(), sample_size, cols, std::nanf(""), &dmatrix_handle),
        "XGDMatrixCreateFromMat");
  DMatrixPtr dmatrix(dmatrix_handle);
  Check(XGDMatrixSetFloatInfo(dmatrix.get(), "label", labels.data(), sample_size), "set label");
  if (ranking) {
    Check(XGDMatrixSetUIntInfo(dmatrix.get(), "group", group_sizes.data(), group_sizes.size()),
          "set group");
  }

  BoosterHandle booster_handle = nullptr;
  DMatrixHandle cache[] = {dmatrix.get()};
  Check(XGBoosterCreate(cache, 1, &booster_handle), "XGBoosterCreate");
  BoosterPtr booster(booster_handle);
  BoosterHandle b = booster.get();
  SetParam(b, "validate_parameters", "1");
  SetRuntimeParams(b);
  SetParam(b, "seed", std::to_string(seed));
  SetParam(b, "objective", ranking ? "rank:ndcg" : "reg:squarederror");
  SetParam(b, "tree_method", "hist");
  SetParam(b, "max_depth", std::to_string(p.max_depth));
  SetParam(b, "eta", FormatDouble(p.learning_rate));
  SetParam(b, "min_child_weight", FormatDouble(p.min_child_weight));
  for (int round = 0; round < p.num_rounds; ++round) {
    Check(XGBoosterUpdateOneIter(b, round, dmatrix.get()), "XGBoosterUpdateOneIter");
  }
  return booster;
}

// Array-interface description of a dense row-major float32 matrix.
std::string DenseArrayInterface(const float* x, size_t rows, size_t cols) {
  return R"({"data": [)" + std::to_string(reinterpret_cast<uintptr_t>(x)) +
         R"(, true], "shape": [)" + std::to_string(rows) + ", " + std::to_string(cols) +
         R"(], "typestr": "<f4", "version": 3})";
}

void PredictMember(BoosterHandle booster, const std::string& array_interface, size_t rows,
                   double* out) {
  const bst_ulong* shape = nullptr;
  bst_ulong dim = 0;
  const float* result = nullptr;
  Check(XGBoosterPredictFromDense(booster, array_interface.c_str(), kPredictConfig, nullptr, &shape,
                                  &dim, &result),
        "XGBoosterPredictFromDense");
  size_t total = 1;
  for (bst_ulong d = 0; d < dim; ++d) total *= static_cast<size_t>(shape[d]);
  if (total != rows) {
    throw core::Error("xgboost: XGBoosterPredictFromDense returned " + std::to_string(total) +
                      " values for " + std::to_string(rows) + " rows");
  }
  std::copy_n(result, rows, out);
}

// ---- Compact forest evaluation ------------------------------------------------------
//
// XGBoost's in-place predictor is generic; for the candidate-scoring hot path each member's
// trees are flattened into perfect binary trees of the forest's depth (a leaf above the
// bottom is replicated into every slot below it) and evaluated branch-free over blocks of
// rows. Decisions and float accumulation follow XGBoost's CPU predictor exactly:
// go right iff !(value < split_condition), missing (NaN) values take the default child, and
// out = base_score + leaf_0 + leaf_1 + ... in float, tree by tree. Tests check that the
// result is bit-identical to XGBoosterPredictFromDense.

// Minimal JSON reader, enough for XGBoost's own model JSON. Scalars keep their text.
struct JsonValue {
  enum class Kind { kScalar, kString, kArray, kObject } kind = Kind::kScalar;
  std::string_view text;
  std::vector<JsonValue> items;
  std::vector<std::pair<std::string_view, JsonValue>> members;

  const JsonValue& At(std::string_view key) const {
    for (const auto& [name, value] : members) {
      if (name == key) return value;
    }
    throw core::Error("XgbEnsemble: model JSON lacks '" + std::string(key) + "'");
  }
};

class JsonReader {
 public:
  explicit JsonReader(std::string_view text) : text_(text) {}

  JsonValue Parse() {
    JsonValue value = ParseValue(0);
    SkipSpace();
    if (pos_ != text_.size()) Fail("trailing characters");
    return value;
  }

 private:
  static constexpr int kMaxNesting = 64;

  [[noreturn]] void Fail(const char* what) const {
    throw core::Error(std::string("XgbEnsemble: bad model JSON at offset ") + std::to_string(pos_) +
                      ": " + what);
  }
  void SkipSpace() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }
  char Peek() {
    SkipSpace();
    if (pos_ >= text_.size()) Fail("unexpected end");
    return text_[pos_];
  }
  void Expect(char c) {
    if (Peek() != c) Fail("unexpected character");
    ++pos_;
  }
  std::string_view ParseString() {
    Expect('"');
    const size_t begin = pos_;
    while (pos_ < text_.size() && text_[pos_] != '"') pos_ += text_[pos_] == '\\' ? 2 : 1;
    if (pos_ >= text_.size()) Fail("unterminated string");
    return text_.substr(begin, pos_++ - begin);
  }
  JsonValue ParseValue(int depth) {
    if (depth > kMaxNesting) Fail("nesting too deep");
    JsonValue value;
    const char c = Peek();
    if (c == '{') {
      value.kind = JsonValue::Kind::kObject;
      ++pos_;
      if (Peek() == '}') {
        ++pos_;
        return value;
      }
      while (true) {
        std::string_view key = ParseString();
        Expect(':');
        value.members.emplace_back(key, ParseValue(depth + 1));
        if (Peek() == ',') {
          ++pos_;
          continue;
        }
        Expect('}');
        return value;
      }
    }
    if (c == '[') {
      value.kind = JsonValue::Kind::kArray;
      ++pos_;
      if (Peek() == ']') {
        ++pos_;
        return value;
      }
      while (true) {
        value.items.push_back(ParseValue(depth + 1));
        if (Peek() == ',') {
          ++pos_;
          continue;
        }
        Expect(']');
        return value;
      }
    }
    if (c == '"') {
      value.kind = JsonValue::Kind::kString;
      value.text = ParseString();
      return value;
    }
    const size_t begin = pos_;
    while (pos_ < text_.size() &&
           std::string_view(",]} \t\r\n").find(text_[pos_]) == std::string_view::npos) {
      ++pos_;
    }
    if (pos_ == begin) Fail("expected a value");
    value.text = text_.substr(begin, pos_ - begin);
    return value;
  }

  std::string_view text_;
  size_t pos_ = 0;
};

template <class T>
T ParseNumber(const JsonValue& value) {
  T out{};
  const char* begin = value.text.data();
  const char* end = begin + value.text.size();
  const auto result = std::from_chars(begin, end, out);
  if (result.ec != std::errc() || result.ptr != end) {
    throw core::Error("XgbEnsemble: bad number in model JSON: '" + std::string(value.text) + "'");
  }
  return out;
}

template <class T>
std::vector<T> ParseNumbers(const JsonValue& array) {
  std::vector<T> out;
  out.reserve(array.items.size());
  for (const auto& item : array.items) out.push_back(ParseNumber<T>(item));
  return out;
}

// One member's trees in perfect-tree layout.
class CompactForest {
 public:
  struct Node {
    float threshold;
    uint32_t feature;        // column index
    uint32_t default_right;  // 1: missing values go right
  };

  static CompactForest FromModelJson(std::string_view json, size_t num_cols) {
    const JsonValue root = JsonReader(json).Parse();
    const JsonValue& learner = root.At("learner");
    const JsonValue& booster = learner.At("gradient_booster");
    if (booster.At("name").text != "gbtree") {
      throw core::Error("XgbEnsemble: unsupported booster '" +
                        std::string(booster.At("name").text) + "'");
    }
    const JsonValue& model = booster.At("model");
    for (const auto& group : model.At("tree_info").items) {
      if (ParseNumber<int>(group) != 0) throw core::Error("XgbEnsemble: multi-output model");
    }
    CompactForest forest;
    forest.base_score_ = ParseNumber<float>(learner.At("learner_model_param").At("base_score"));
    const auto& trees = model.At("trees").items;
    std::vector<RawTree> raw;
    raw.reserve(trees.size());
    for (const auto& tree : trees) {
      raw.push_back(RawTree::FromJson(tree, num_cols));
      forest.depth_ = std::max(forest.depth_, raw.back().Depth(0, 0));
    }
    const size_t internal = (size_t{1} << forest.depth_) - 1;
    forest.nodes_.assign(raw.size() * internal, Node{0.0f, 0, 0});
    forest.leaves_.assign(raw.size() * (internal + 1), 0.0f);
    for (size_t t = 0; t < raw.size(); ++t) {
      forest.Place(raw[t], 0, 0, t);
    }
    forest.num_trees_ = raw.size();
    return forest;
  }

  // out[r] = base_score + sum of tree outputs for row r, for rows [0, num_rows).
  void Predict(const float* x, size_t num_rows, size_t num_cols, double* out) const {
    switch (depth_) {
      case 0:
        return PredictFixed<0>(x, num_rows, num_cols, out);
      case 1:
        return PredictFixed<1>(x, num_rows, num_cols, out);
      case 2:
        return PredictFixed<2>(x, num_rows, num_cols, out);
      case 3:
        return PredictFixed<3>(x, num_rows, num_cols, out);
      case 4:
        return PredictFixed<4>(x, num_rows, num_cols, out);
      case 5:
        return PredictFixed<5>(x, num_rows, num_cols, out);
      case 6:
        return PredictFixed<6>(x, num_rows, num_cols, out);
      case 7:
        return PredictFixed<7>(x, num_rows, num_cols, out);
      case 8:
        return PredictFixed<8>(x, num_rows, num_cols, out);
      default:
        return PredictFixed<-1>(x, num_rows, num_cols, out);
    }
  }

 private:
  // One level down: right iff !(value < threshold), except missing values follow the default.
  static uint32_t Step(const Node* nodes, uint32_t i, const float* row) {
    const Node& node = nodes[i];
    const float value = row[node.feature];
    const auto not_less = static_cast<uint32_t>(!(value < node.threshold));
    const auto present = static_cast<uint32_t>(value == value);  // false for NaN
    return 2 * i + 1 + (not_less & (present | node.default_right));
  }

  // kDepth >= 0 fixes the depth at compile time so the walk unrolls; -1 reads depth_.
  template <int kDepth>
  void PredictFixed(const float* x, size_t num_rows, size_t num_cols, double* out) const {
    constexpr size_t kBlock = 64;  // rows kept hot in cache while all trees pass over them
    constexpr size_t kLanes = 8;   // rows walked in lockstep for instruction-level parallelism
    const int depth = kDepth >= 0 ? kDepth : depth_;
    const uint32_t internal = (uint32_t{1} << depth) - 1;
    float sum[kBlock];
    for (size_t begin = 0; begin < num_rows; begin += kBlock) {
      const size_t count = std::min(kBlock, num_rows - begin);
      const float* rows = x + begin * num_cols;
      std::fill_n(sum, count, base_score_);
      for (size_t t = 0; t < num_trees_; ++t) {
        const Node* nodes = nodes_.data() + t * internal;
        const float* leaves = leaves_.data() + t * (internal + 1);
        size_t r = 0;
        for (; r + kLanes <= count; r += kLanes) {
          uint32_t index[kLanes] = {};
          for (int d = 0; d < depth; ++d) {
            for (size_t k = 0; k < kLanes; ++k) {
              index[k] = Step(nodes, index[k], rows + (r + k) * num_cols);
            }
          }
          for (size_t k = 0; k < kLanes; ++k) sum[r + k] += leaves[index[k] - internal];
        }
        for (; r < count; ++r) {
          uint32_t index = 0;
          for (int d = 0; d < depth; ++d) index = Step(nodes, index, rows + r * num_cols);
          sum[r] += leaves[index - internal];
        }
      }
      std::copy_n(sum, count, out + begin);
    }
  }

  struct RawTree {
    std::vector<int> left, right;
    std::vector<uint32_t> feature;
    std::vector<float> condition;
    std::vector<int> default_left;

    static RawTree FromJson(const JsonValue& tree, size_t num_cols) {
      RawTree t;
      t.left = ParseNumbers<int>(tree.At("left_children"));
      t.right = ParseNumbers<int>(tree.At("right_children"));
      t.feature = ParseNumbers<uint32_t>(tree.At("split_indices"));
      t.condition = ParseNumbers<float>(tree.At("split_conditions"));
      t.default_left = ParseNumbers<int>(tree.At("default_left"));
      for (const auto& type : tree.At("split_type").items) {
        if (ParseNumber<int>(type) != 0) throw core::Error("XgbEnsemble: categorical split");
      }
      const size_t n = t.left.size();
      if (n == 0 || t.right.size() != n || t.feature.size() != n || t.condition.size() != n ||
          t.default_left.size() != n) {
        throw core::Error("XgbEnsemble: inconsistent tree arrays in model JSON");
      }
      for (size_t i = 0; i < n; ++i) {
        const bool leaf = t.left[i] == -1;
        if (!leaf && (t.left[i] < 0 || t.right[i] < 0 || static_cast<size_t>(t.left[i]) >= n ||
                      static_cast<size_t>(t.right[i]) >= n || t.feature[i] >= num_cols)) {
          throw core::Error("XgbEnsemble: invalid tree node in model JSON");
        }
      }
      return t;
    }
    int Depth(int node, int level) const {
      if (level > kMaxTreeDepth) throw core::Error("XgbEnsemble: tree too deep");
      if (left[node] == -1) return level;
      return std::max(Depth(left[node], level + 1), Depth(right[node], level + 1));
    }
  };

  static constexpr int kMaxTreeDepth = 16;

  // Copies raw node `node` into perfect-tree slot `slot` (level `level`) of tree `t`.
  void Place(const RawTree& raw, int node, size_t slot, size_t t) {
    const size_t internal = (size_t{1} << depth_) - 1;
    if (raw.left[node] == -1) {
      // Replicate the leaf into every bottom slot under `slot`; the padding splits above
      // them keep their zero defaults, since any path reaches the same value.
      size_t first = slot, count = 1;
      while (first < internal) {
        first = 2 * first + 1;
        count *= 2;
      }
      std::fill_n(leaves_.data() + t * (internal + 1) + (first - internal), count,
                  raw.condition[node]);
      return;
    }
    nodes_[t * internal + slot] =
        Node{raw.condition[node], raw.feature[node], raw.default_left[node] != 0 ? 0u : 1u};
    Place(raw, raw.left[node], 2 * slot + 1, t);
    Place(raw, raw.right[node], 2 * slot + 2, t);
  }

  float base_score_ = 0.0f;
  int depth_ = 0;
  size_t num_trees_ = 0;
  std::vector<Node> nodes_;
  std::vector<float> leaves_;
};

CompactForest MakeCompactForest(BoosterHandle booster, size_t num_cols) {
  bst_ulong length = 0;
  const char* bytes = nullptr;
  Check(XGBoosterSaveModelToBuffer(booster, R"({"format": "json"})", &length, &bytes),
        "XGBoosterSaveModelToBuffer");
  return CompactForest::FromModelJson(std::string_view(bytes, length), num_cols);
}

size_t HardwareThreads() { return std::max(1u, std::thread::hardware_concurrency()); }

}  // namespace

struct XgbEnsemble::Impl {
  std::vector<BoosterPtr> members;
  std::vector<CompactForest> forests;  // members' trees for fast prediction
  size_t num_cols = 0;
};

XgbEnsemble::XgbEnsemble(EnsembleParams params)
    : params_(std::move(params)), impl_(std::make_unique<Impl>()) {}

XgbEnsemble::~XgbEnsemble() = default;

void XgbEnsemble::Fit(const Dataset& data, core::Rng& rng) {
  ValidateParams(params_);
  ValidateDataset(data, params_.objective);
  std::vector<float> targets;
  if (params_.objective == Objective::kRanking) {
    targets = RelevanceLabels(data.gain, data.group, params_.relevance_levels);
  } else {
    targets.assign(data.gain.begin(), data.gain.end());
  }
  const auto count = static_cast<size_t>(params_.members);
  std::vector<BoosterPtr> members(count);
  std::vector<CompactForest> forests(count);
  RunIndexed(count, params_.parallel ? count : 1, [&](size_t i) {
    members[i] = TrainMember(data, targets, params_, rng.Fork(static_cast<uint64_t>(i)));
    forests[i] = MakeCompactForest(members[i].get(), data.num_cols);
  });
  impl_->members = std::move(members);
  impl_->forests = std::move(forests);
  impl_->num_cols = data.num_cols;
}

void XgbEnsemble::CheckPredictArgs(const float* x, size_t num_rows, size_t num_cols) const {
  if (!fitted()) throw core::Error("XgbEnsemble::Predict: model is not fitted");
  if (num_cols != impl_->num_cols) {
    throw core::Error("XgbEnsemble::Predict: got " + std::to_string(num_cols) +
                      " columns, model was trained on " + std::to_string(impl_->num_cols));
  }
  if (x == nullptr && num_rows > 0) throw core::Error("XgbEnsemble::Predict: null input");
}

std::vector<double> XgbEnsemble::PredictMembers(const float* x, size_t num_rows,
                                                size_t num_cols) const {
  CheckPredictArgs(x, num_rows, num_cols);
  const size_t count = impl_->forests.size();
  std::vector<double> out(count * num_rows);
  if (num_rows == 0) return out;
  const size_t max_threads =
      (params_.parallel && num_rows >= kMinRowsForThreads) ? HardwareThreads() : 1;
  if (max_threads <= 1) {
    for (size_t i = 0; i < count; ++i) {
      impl_->forests[i].Predict(x, num_rows, num_cols, out.data() + i * num_rows);
    }
    return out;
  }
  // Split rows, not members, over threads: every thread streams the same row range through
  // all members, which balances for any member count.
  const size_t chunk = (num_rows + max_threads - 1) / max_threads;
  RunIndexed(max_threads, max_threads, [&](size_t t) {
    const size_t begin = std::min(num_rows, t * chunk);
    const size_t rows = std::min(num_rows, begin + chunk) - begin;
    for (size_t i = 0; i < count; ++i) {
      impl_->forests[i].Predict(x + begin * num_cols, rows, num_cols,
                                out.data() + i * num_rows + begin);
    }
  });
  return out;
}

std::vector<double> XgbEnsemble::PredictMembersReference(const float* x, size_t num_rows,
                                                         size_t num_cols) const {
  CheckPredictArgs(x, num_rows, num_cols);
  const size_t count = impl_->members.size();
  std::vector<double> out(count * num_rows);
  if (num_rows == 0) return out;
  const std::string array_interface = DenseArrayInterface(x, num_rows, num_cols);
  for (size_t i = 0; i < count; ++i) {
    PredictMember(impl_->members[i].get(), array_interface, num_rows, out.data() + i * num_rows);
  }
  return out;
}

Prediction XgbEnsemble::Predict(const float* x, size_t num_rows, size_t num_cols) const {
  const std::vector<double> members = PredictMembers(x, num_rows, num_cols);
  const size_t count = impl_->members.size();
  Prediction prediction;
  prediction.mean.assign(num_rows, 0.0);
  prediction.stddev.assign(num_rows, 0.0);
  for (size_t m = 0; m < count; ++m) {
    for (size_t r = 0; r < num_rows; ++r) prediction.mean[r] += members[m * num_rows + r];
  }
  for (size_t r = 0; r < num_rows; ++r) prediction.mean[r] /= static_cast<double>(count);
  for (size_t m = 0; m < count; ++m) {
    for (size_t r = 0; r < num_rows; ++r) {
      const double d = members[m * num_rows + r] - prediction.mean[r];
      prediction.stddev[r] += d * d;
    }
  }
  for (size_t r = 0; r < num_rows; ++r) {
    prediction.stddev[r] = std::sqrt(prediction.stddev[r] / static_cast<double>(count));
  }
  return prediction;
}

size_t XgbEnsemble::num_members() const { return impl_->members.size(); }

bool XgbEnsemble::fitted() const { return !impl_->members.empty(); }

std::vector<double> XgbEnsemble::FeatureImportance(size_t num_cols) const {
  if (!fitted()) throw core::Error("XgbEnsemble::FeatureImportance: model is not fitted");
  if (num_cols != impl_->num_cols) {
    throw core::Error("XgbEnsemble::FeatureImportance: got " + std::to_string(num_cols) +
                      " columns, model was trained on " + std::to_string(impl_->num_cols));
  }
  std::vector<double> importance(num_cols, 0.0);
  for (const auto& member : impl_->members) {
    bst_ulong num_features = 0;
    const char** names = nullptr;
    bst_ulong dim = 0;
    const bst_ulong* shape = nullptr;
    const float* scores = nullptr;
    Check(XGBoosterFeatureScore(member.get(), kImportanceConfig, &num_features, &names, &dim,
                                &shape, &scores),
          "XGBoosterFeatureScore");
    for (bst_ulong f = 0; f < num_features; ++f) {
      // Without feature names XGBoost names column i "f<i>".
      const char* name = names[f];
      size_t column = 0;
      const char* end = name + std::char_traits<char>::length(name);
      const auto parsed = (name[0] == 'f')
                              ? std::from_chars(name + 1, end, column)
                              : std::from_chars_result{name, std::errc::invalid_argument};
      if (parsed.ec != std::errc() || parsed.ptr != end || column >= num_cols) {
        throw core::Error(std::string("XgbEnsemble::FeatureImportance: unexpected feature name '") +
                          name + "'");
      }
      importance[column] += static_cast<double>(scores[f]);
    }
  }
  return importance;
}

std::vector<std::string> XgbEnsemble::SerializeMembers() const {
  if (!fitted()) throw core::Error("XgbEnsemble::SerializeMembers: model is not fitted");
  std::vector<std::string> out;
  out.reserve(impl_->members.size());
  for (const auto& member : impl_->members) {
    bst_ulong length = 0;
    const char* bytes = nullptr;
    Check(XGBoosterSaveModelToBuffer(member.get(), kSaveConfig, &length, &bytes),
          "XGBoosterSaveModelToBuffer");
    out.emplace_back(bytes, static_cast<size_t>(length));
  }
  return out;
}

void XgbEnsemble::LoadMembers(const std::vector<std::string>& members, size_t num_cols) {
  if (members.empty()) throw core::Error("XgbEnsemble::LoadMembers: no members given");
  if (num_cols == 0) throw core::Error("XgbEnsemble::LoadMembers: num_cols must be > 0");
  std::vector<BoosterPtr> loaded;
  std::vector<CompactForest> forests;
  loaded.reserve(members.size());
  forests.reserve(members.size());
  for (size_t i = 0; i < members.size(); ++i) {
    const std::string& bytes = members[i];
    const std::string where = "XgbEnsemble::LoadMembers: member " + std::to_string(i);
    // UBJSON and JSON models are objects; anything else would hit XGBoost's legacy
    // binary reader, which is not robust against arbitrary bytes.
    if (bytes.empty() || bytes.front() != '{') {
      throw core::Error(where + ": not an XGBoost UBJSON model");
    }
    BoosterHandle handle = nullptr;
    Check(XGBoosterCreate(nullptr, 0, &handle), "XGBoosterCreate");
    BoosterPtr booster(handle);
    if (XGBoosterLoadModelFromBuffer(handle, bytes.data(), bytes.size()) != 0) {
      throw core::Error(where + ": " + LastXgbError());
    }
    SetRuntimeParams(handle);
    bst_ulong features = 0;
    Check(XGBoosterGetNumFeature(handle, &features), "XGBoosterGetNumFeature");
    if (features != num_cols) {
      throw core::Error(where + ": model has " + std::to_string(features) + " features, expected " +
                        std::to_string(num_cols));
    }
    forests.push_back(MakeCompactForest(handle, num_cols));
    loaded.push_back(std::move(booster));
  }
  impl_->members = std::move(loaded);
  impl_->forests = std::move(forests);
  impl_->num_cols = num_cols;
}

void PrepareXgboostEnvironment() { setenv("OMP_WAIT_POLICY", "passive", 0); }

}  // namespace iorec::model
