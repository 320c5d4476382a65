package dev.grace.boot.actuate;

import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.boot.actuate.info.Info;

import dev.grace.boot.internal.ServiceManager;

import static org.assertj.core.api.Assertions.assertThat;

class GraceInfoContributorTests {

	@Test
	void tellsWhichProcessOfTheChainThisIs() {
		Info.Builder builder = new Info.Builder();

		new GraceInfoContributor(Processes.serving(4, ServiceManager.NONE)).contribute(builder);

		@SuppressWarnings("unchecked")
		Map<String, Object> grace = (Map<String, Object>) builder.build().get("grace");
		assertThat(grace).containsEntry("generation", 4)
			.containsEntry("pid", ProcessHandle.current().pid())
			.containsEntry("parentPid", -1L)
			.containsEntry("javaVersion", Runtime.version().toString())
			.containsKey("startedAt");
	}

}
