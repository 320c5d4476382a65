package dev.grace.boot.autoconfigure;

import java.lang.reflect.Method;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.core.env.Environment;
import org.springframework.util.ClassUtils;
import org.springframework.util.ReflectionUtils;

/**
 * Tells at startup, in one line per database, when the application's DataSource is an
 * {@link EmbeddedDatabase} that a restart cannot share between the two processes: a
 * warning for a file (the restart fails, or loses requests, or corrupts it), a note for
 * memory (its data is gone after a restart). Reads each DataSource's JDBC URL through its
 * getter ({@code getJdbcUrl} of Hikari, {@code getUrl} of most others), else
 * {@code spring.datasource.url}: no JDBC driver or pool is needed on the classpath, and
 * no connection is opened.
 */
class EmbeddedDatabaseCheck implements SmartInitializingSingleton {

	private static final Log logger = LogFactory.getLog(EmbeddedDatabaseCheck.class);

	private static final String DATA_SOURCE = "javax.sql.DataSource";

	private static final List<String> URL_GETTERS = List.of("getJdbcUrl", "getUrl", "getURL");

	// Spring's DelegatingDataSource (transaction-aware, lazy-connection proxies)
	private static final String TARGET_GETTER = "getTargetDataSource";

	private static final int MAX_UNWRAP = 3;

	private final ConfigurableListableBeanFactory beans;

	private final Environment environment;

	private volatile @Nullable String exitHint;

	EmbeddedDatabaseCheck(ConfigurableListableBeanFactory beans, Environment environment) {
		this.beans = beans;
		this.environment = environment;
	}

	@Override
	public void afterSingletonsInstantiated() {
		for (EmbeddedDatabase database : databases()) {
			if (database.isHazard()) {
				logger.warn(database.message());
			}
			else {
				logger.info(database.message());
			}
			if (this.exitHint == null) {
				this.exitHint = database.exitHint();
			}
		}
	}

	/**
	 * Why a new process that exited before it was ready probably did, as far as this
	 * process's databases tell.
	 * @return the reason, null when they do not explain it
	 */
	@Nullable String exitHint() {
		return this.exitHint;
	}

	List<EmbeddedDatabase> databases() {
		return urls().stream().map(EmbeddedDatabase::of).filter(Objects::nonNull).distinct().toList();
	}

	private Set<String> urls() {
		Set<String> urls = new LinkedHashSet<>();
		Class<?> type = dataSourceType();
		if (type == null) {
			return urls;
		}
		for (String name : this.beans.getBeanNamesForType(type, false, false)) {
			// only those that exist: a lazy one is not created for this
			Object dataSource = this.beans.getSingleton(name);
			if (!type.isInstance(dataSource)) {
				continue;
			}
			String url = url(dataSource, 0);
			if (url == null) {
				url = this.environment.getProperty("spring.datasource.url");
			}
			if (url != null) {
				urls.add(url);
			}
		}
		return urls;
	}

	private @Nullable Class<?> dataSourceType() {
		ClassLoader loader = getClass().getClassLoader();
		return ClassUtils.isPresent(DATA_SOURCE, loader) ? ClassUtils.resolveClassName(DATA_SOURCE, loader) : null;
	}

	private static @Nullable String url(Object dataSource, int depth) {
		for (String getter : URL_GETTERS) {
			if (call(dataSource, getter) instanceof String url && !url.isBlank()) {
				return url;
			}
		}
		Object target = call(dataSource, TARGET_GETTER);
		return (target != null && depth < MAX_UNWRAP) ? url(target, depth + 1) : null;
	}

	private static @Nullable Object call(Object target, String getter) {
		Method method = ReflectionUtils.findMethod(target.getClass(), getter);
		if (method == null || method.getParameterCount() != 0) {
			return null;
		}
		try {
			ReflectionUtils.makeAccessible(method);
			return method.invoke(target);
		}
		catch (ReflectiveOperationException | RuntimeException ex) {
			return null; // not a getter we understand: say nothing rather than guess
		}
	}

}
