#include "runs/intervention.h"

#include "runs/randomintervention.h"
#include "util/errors.h"

namespace shiftscope {

InterventionRegistry &InterventionRegistry::instance()
{
    static InterventionRegistry registry = [] {
        InterventionRegistry r;
        r.add("random", [] { return std::make_unique<RandomIntervention>(); });
        return r;
    }();
    return registry;
}

void InterventionRegistry::add(const std::string &name, InterventionFactory factory)
{
    m_factories[name] = std::move(factory);
}

std::unique_ptr<Intervention> InterventionRegistry::create(const std::string &name) const
{
    auto it = m_factories.find(name);
    if (it == m_factories.end()) {
        std::string known;
        for (const auto &n : names())
            known += (known.empty() ? "" : ", ") + n;
        throw InputError(InputProblem{{}, {}, "unknown intervention '" + name + "'", "use one of: " + known});
    }
    return it->second();
}

std::vector<std::string> InterventionRegistry::names() const
{
    std::vector<std::string> out;
    for (const auto &[name, factory] : m_factories)
        out.push_back(name);
    return out;
}

std::map<std::string, std::string> resolveParameters(const Intervention &intervention,
                                                     const std::vector<std::string> &assignments)
{
    std::map<std::string, std::string> values;
    for (const auto &spec : intervention.parameters())
        values[spec.name] = spec.defaultValue;
    for (const auto &assignment : assignments) {
        const auto eq = assignment.find('=');
        if (eq == std::string::npos || eq == 0)
            throw InputError(InputProblem{
                {}, "--param " + assignment, "expected key=value", "write e.g. --param learning_rate=1e-4"});
        const std::string key = assignment.substr(0, eq);
        if (!values.count(key)) {
            std::string known;
            for (const auto &spec : intervention.parameters())
                known += (known.empty() ? "" : ", ") + spec.name;
            throw InputError(InputProblem{{},
                                          "--param " + assignment,
                                          intervention.name() + " has no parameter '" + key + "'",
                                          known.empty() ? "it takes no parameters" : "use one of: " + known});
        }
        values[key] = assignment.substr(eq + 1);
    }
    return values;
}

} // namespace shiftscope
