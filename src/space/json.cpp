#include "iorec/space/json.hpp"

namespace iorec::space {

nlohmann::ordered_json KnobValueJson(const KnobValue& v) {
  switch (v.kind()) {
    case KnobValue::Kind::kInt:
      return v.as_int();
    case KnobValue::Kind::kFloat:
      return v.as_double();
    case KnobValue::Kind::kString:
      return v.text();
  }
  return v.text();
}

nlohmann::ordered_json ConfigJson(const Space& space, const Config& c) {
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  for (size_t k = 0; k < space.num_knobs(); ++k) {
    j[space.knobs()[k].name] = KnobValueJson(space.Value(c, k));
  }
  return j;
}

}  // namespace iorec::space
