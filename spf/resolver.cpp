// spf/resolver.cpp: the default batch lookup: one question after another.
#include "spf/resolver.hpp"

namespace spf {

std::vector<Answer> Resolver::resolve_all(std::span<const Question> questions, Deadline deadline) {
    std::vector<Answer> answers;
    answers.reserve(questions.size());
    for (const Question& question : questions) answers.push_back(resolve(question, deadline));
    return answers;
}

}  // namespace spf
