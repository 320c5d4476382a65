/**
 * The {@code grace} actuator endpoint, and what monitoring sees of restarts: the
 * {@code grace.*} meters, the {@code grace} health contributor and {@code info} section.
 */
@NullMarked
package dev.grace.boot.actuate;

import org.jspecify.annotations.NullMarked;
