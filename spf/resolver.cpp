// spf/resolver.cpp: the default batch lookup: one question after another.
#include "spf/resolver.hpp"

namespace spf {

void Resolver::resolve_each(std::span<const Question> questions, Deadline deadline, const AnswerSink& sink) {
    for (std::size_t i = 0; i < questions.size(); ++i) sink(i, resolve(questions[i], deadline));
}

std::vector<Answer> Resolver::resolve_all(std::span<const Question> questions, Deadline deadline) {
    std::vector<Answer> answers(questions.size());
    resolve_each(questions, deadline,
                 [&answers](std::size_t index, Answer&& answer) { answers[index] = std::move(answer); });
    return answers;
}

}  // namespace spf
