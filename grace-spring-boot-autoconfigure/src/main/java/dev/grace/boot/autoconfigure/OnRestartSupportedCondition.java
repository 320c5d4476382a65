package dev.grace.boot.autoconfigure;

import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * Matches where restarts can work: Linux with {@code /proc} and native POSIX calls.
 */
class OnRestartSupportedCondition extends SpringBootCondition {

	@Override
	public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
		String reason = RestartSupport.platformProblem();
		return (reason == null) ? ConditionOutcome.match("graceful restart is supported")
				: ConditionOutcome.noMatch(reason);
	}

}
