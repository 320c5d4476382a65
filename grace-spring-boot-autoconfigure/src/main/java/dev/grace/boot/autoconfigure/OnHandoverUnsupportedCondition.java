package dev.grace.boot.autoconfigure;

import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * The opposite of {@link OnHandoverSupportedCondition}.
 */
class OnHandoverUnsupportedCondition extends OnHandoverSupportedCondition {

	@Override
	public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
		ConditionOutcome supported = super.getMatchOutcome(context, metadata);
		return new ConditionOutcome(!supported.isMatch(), supported.getConditionMessage());
	}

}
