package dev.grace.boot.actuate;

import java.lang.management.ManagementFactory;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.boot.actuate.info.Info;
import org.springframework.boot.actuate.info.InfoContributor;

import dev.grace.boot.internal.Restarter;

/**
 * The {@code grace} section of {@code /actuator/info}: which generation this process is,
 * its pid and the pid of the process that started it by a restart (-1 for one started
 * by hand), when its JVM started and which Java runs it.
 *
 * @since 0.1.0
 */
public class GraceInfoContributor implements InfoContributor {

	private final Restarter restarter;

	/**
	 * Creates the contributor.
	 * @param restarter the restart state machine
	 */
	public GraceInfoContributor(Restarter restarter) {
		this.restarter = restarter;
	}

	@Override
	public void contribute(Info.Builder builder) {
		Map<String, Object> grace = new LinkedHashMap<>();
		grace.put("generation", this.restarter.generation());
		grace.put("pid", ProcessHandle.current().pid());
		grace.put("parentPid", this.restarter.parentPid());
		grace.put("startedAt", Instant.ofEpochMilli(ManagementFactory.getRuntimeMXBean().getStartTime()).toString());
		grace.put("javaVersion", Runtime.version().toString());
		builder.withDetail("grace", grace);
	}

}
