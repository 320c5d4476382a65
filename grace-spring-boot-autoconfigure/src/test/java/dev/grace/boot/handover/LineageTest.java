package dev.grace.boot.handover;

import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

class LineageTest {

	@Test
	void aProcessStartedByHandIsGenerationOneWithoutParent() {
		Lineage lineage = Lineage.fromEnvironment(Map.of());
		assertThat(lineage).isEqualTo(new Lineage(1, -1, -1));
		assertThat(lineage.hasParent()).isFalse();
	}

	@Test
	void readsWhatTheParentLeft() {
		Lineage lineage = Lineage
			.fromEnvironment(Map.of("GRACE_GENERATION", "3", "GRACE_PARENT_PID", "77", "GRACE_READY_FD", "5"));
		assertThat(lineage).isEqualTo(new Lineage(3, 77, 5));
		assertThat(lineage.hasParent()).isTrue();
	}

	@Test
	void rejectsMalformedValuesNamingTheVariable() {
		assertThatExceptionOfType(InvalidListenFdsException.class)
			.isThrownBy(() -> Lineage.fromEnvironment(Map.of("GRACE_READY_FD", "x", "GRACE_PARENT_PID", "1")))
			.withMessage("GRACE_READY_FD='x' is not a number from 3 to 65535");
		assertThatExceptionOfType(InvalidListenFdsException.class)
			.isThrownBy(() -> Lineage.fromEnvironment(Map.of("GRACE_READY_FD", "5")))
			.withMessage("GRACE_PARENT_PID and GRACE_READY_FD must be set together");
	}

}
