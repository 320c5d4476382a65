package dev.grace.boot.internal.posix;

import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

class LineageTests {

	@Test
	void aProcessStartedByHandIsGenerationOneWithoutParent() {
		Lineage lineage = Lineage.fromEnvironment(Map.of(), 1);
		assertThat(lineage).isEqualTo(new Lineage(1, -1, -1));
		assertThat(lineage.hasParent()).isFalse();
	}

	@Test
	void readsWhatTheParentLeftWhenTheParentAndThePipeAreReal() throws Exception {
		int[] pipe = new int[2];
		assertThat(NativePosix.get().pipe(pipe)).isZero();
		try {
			Map<String, String> env = Map.of("GRACE_GENERATION", "3", "GRACE_PARENT_PID", "77", "GRACE_READY_FD",
					Integer.toString(pipe[1]));
			Lineage lineage = Lineage.fromEnvironment(env, 77);
			assertThat(lineage).isEqualTo(new Lineage(3, 77, pipe[1]));
			assertThat(lineage.hasParent()).isTrue();
			assertThat(Lineage.fromEnvironment(env, 78)).as("another parent").isEqualTo(new Lineage(1, -1, -1));
		}
		finally {
			NativePosix.get().close(pipe[0]);
			NativePosix.get().close(pipe[1]);
		}
	}

	@Test
	void aDescriptorThatIsNotAPipeIsNotAReadinessChannel() {
		assertThat(Lineage.fromEnvironment(Map.of("GRACE_PARENT_PID", "77", "GRACE_READY_FD", "65000"), 77))
			.isEqualTo(new Lineage(1, -1, -1));
	}

	@Test
	void rejectsMalformedValuesNamingTheVariable() {
		assertThatExceptionOfType(InvalidListenFdsException.class)
			.isThrownBy(() -> Lineage.fromEnvironment(Map.of("GRACE_READY_FD", "x", "GRACE_PARENT_PID", "1"), 1))
			.withMessage("GRACE_READY_FD='x' is not a number from 3 to 65535");
		assertThatExceptionOfType(InvalidListenFdsException.class)
			.isThrownBy(() -> Lineage.fromEnvironment(Map.of("GRACE_READY_FD", "5"), 1))
			.withMessage("GRACE_PARENT_PID and GRACE_READY_FD must be set together");
	}

}
