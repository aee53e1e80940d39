#include "iorec/report/json_util.hpp"

namespace iorec::report {

nlohmann::ordered_json KnobValueJson(const space::KnobValue& v) {
  switch (v.kind()) {
    case space::KnobValue::Kind::kInt:
      return v.as_int();
    case space::KnobValue::Kind::kFloat:
      return v.as_double();
    case space::KnobValue::Kind::kString:
      return v.text();
  }
  return v.text();
}

nlohmann::ordered_json ConfigJson(const space::Space& space, const space::Config& c) {
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  for (size_t k = 0; k < space.num_knobs(); ++k) {
    j[space.knobs()[k].name] = KnobValueJson(space.Value(c, k));
  }
  return j;
}

space::KnobValue KnobValueFromJson(const nlohmann::json& j) {
  if (j.is_number_integer()) return space::KnobValue::Int(j.get<int64_t>(), j.dump());
  if (j.is_number()) return space::KnobValue::Float(j.get<double>(), j.dump());
  return space::KnobValue::String(j.is_string() ? j.get<std::string>() : j.dump());
}

}  // namespace iorec::report
