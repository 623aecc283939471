/**
 * flc — File Lock Coordinator — for Pi.
 *
 * `flc init --pi` installs this file twice: as the project's `.pi/extensions/flc.ts` (commit it)
 * and as your personal `~/.pi/agent/extensions/flc.ts`. Pi >= 0.79 loads project extensions only
 * after you trust the project; personal ones always. So the personal copy acts in every
 * repository where flc is set up in this clone (`.git/flc/` exists) and does nothing anywhere
 * else, and the project copy stands down wherever the personal copy acts: exactly one of them
 * runs, trusted project or not, on old Pi and new.
 *
 * Every `edit`/`write` (configurable; nested calls in code mode too) claims its file for this Pi
 * session before it runs, waits while another session (Claude Code, another Pi, a person at the
 * CLI) holds it, and is blocked with the holder named if it stays held. Claims are released when
 * Pi is truly idle (`agent_settled`; `agent_end` on Pi < 0.80.4) and at session shutdown. Adds the
 * file_claiming_* tools, /file-claiming-config, /file-claiming-locks, a footer status and claim:*
 * events on pi.events. Shell commands (`bash`, `powershell`) run as this session: FLC_SESSION, and
 * what they change becomes this session's owned changes; when one changes another session's
 * files, the tool result and a notification say so, and `flc restore` puts their version back.
 *
 * It uses flc in-process when `file-lock-coordinator` is installed in the project (a dev
 * dependency), else the project's `node_modules/.bin/flc`, else `flc` on PATH. If flc itself
 * fails, edits are allowed with a warning: a broken flc never stops your work.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { StringEnum } from "@earendil-works/pi-ai";
import { VERSION, type ExtensionAPI, type ExtensionContext } from "@earendil-works/pi-coding-agent";
import { Type } from "typebox";

type Kind = "read" | "write" | "exclusive";

interface ClaimView {
	id: string;
	path: string;
	kind: Kind;
	session: string;
	agent?: string;
	acquiredAt: string;
	expiresAt: string | null;
	reason?: string;
}

interface ClaimOutcome {
	granted: boolean;
	claims?: ClaimView[];
	holder?: string;
	error?: string;
	/** The refusal as the model should read it. */
	message?: string;
	conflicts?: unknown[];
}

interface ToolOutcome {
	text: string;
	details: Record<string, unknown>;
}

/** What the extension needs from flc, in-process or through the CLI. */
interface Backend {
	readonly mode: "library" | "cli";
	/** With `wait`, waits up to flc's `waitTimeout` setting. */
	claim(session: string, file: string, wait: boolean): Promise<ClaimOutcome | null>;
	release(session: string, target: string, force: boolean): Promise<ClaimView[]>;
	releaseAll(session: string): Promise<ClaimView[]>;
	claims(): Promise<ClaimView[]>;
	tool(session: string, name: string, params: unknown): Promise<ToolOutcome>;
	/** Before a bash command: refused (with the reason) when it would destroy or take others' work; claims its obvious writes. */
	checkCommand(session: string, command: string, cwd: string): Promise<{ allowed: boolean; reason: string | null }>;
	config(): Promise<Record<string, string>>;
	setConfig(assignments: string[]): Promise<Record<string, string>>;
	/** Shell attribution (library mode only): the look before a bash call, and what it changed after. */
	shellBegin?(session: string, id: string): Promise<void>;
	shellFinish?(session: string, id: string): Promise<{ forModel: string | null; forUser: string | null } | null>;
}

/** Seed option names (pi-file-claiming) and the flc config keys they map to. */
const SEED_KEYS: Record<string, string> = {
	autoReleaseTTL: "ttl",
	releaseOnTurnEnd: "release",
	blockedTools: "pi.blockedTools",
	showDiagnostics: "pi.showDiagnostics",
};

const STATUS_KEY = "flc";

/** Pi's shell tools: what they change is attributed to the session. */
const SHELL_TOOLS: readonly string[] = ["bash", "powershell"];

/** Marks flc's extension file, so the project copy can tell that the personal one is installed. */
const MARKER = "flc — File Lock Coordinator — for Pi.";

/** Pi >= 0.80.4 signals true idleness with agent_settled; before it, agent_end was final. */
const SETTLES = versionAtLeast(VERSION, [0, 80, 4]);

export default function flcExtension(pi: ExtensionAPI) {
	const place = whereLoaded();
	if (!place.acts) {
		if (place.notice) {
			const notice = place.notice;
			pi.on("session_start", async (_event, ctx) => {
				// Pi >= 0.79 without the user's trust does not load the project's copy: say so.
				const trusted = (ctx as { isProjectTrusted?: () => boolean }).isProjectTrusted;
				if (typeof trusted === "function" && !trusted.call(ctx)) warn(ctx, notice);
			});
		}
		return;
	}

	let backend: Backend | null | undefined;
	let session = "pi:unknown";
	const held = new Map<string, ClaimView>(); // claims this session holds, by id
	let lastConflict: string | undefined;

	async function getBackend(cwd: string): Promise<Backend | null> {
		if (backend === undefined) backend = await loadBackend(pi, cwd);
		return backend;
	}

	// Read once per agent run (and after /file-claiming-config): in CLI mode each read is a process.
	let cachedSettings: Promise<{ blockedTools: string[]; showDiagnostics: boolean; release: string }> | undefined;
	function settings(cwd: string) {
		cachedSettings ??= getBackend(cwd).then(async (b) => {
			const config = b ? await b.config() : {};
			return {
				blockedTools: (config["pi.blockedTools"] ?? "edit,write").split(","),
				showDiagnostics: config["pi.showDiagnostics"] !== "false",
				release: config.release ?? "turn",
			};
		});
		return cachedSettings;
	}

	function track(claims: ClaimView[] | undefined) {
		for (const claim of claims ?? []) {
			if (claim.session !== session) continue;
			held.set(claim.id, claim);
			pi.events.emit("claim:acquired", claim);
		}
	}

	function untrack(released: ClaimView[]) {
		for (const claim of released) {
			held.delete(claim.id);
			pi.events.emit("claim:released", claim);
		}
	}

	/** Claims that vanished without a release expired: say so once. */
	async function noticeExpired(b: Backend) {
		if (!held.size) return;
		const live = new Set((await b.claims()).map((c) => c.id));
		for (const [id, claim] of held) {
			if (live.has(id)) continue;
			held.delete(id);
			pi.events.emit("claim:expired", claim);
		}
	}

	async function refreshStatus(ctx: ExtensionContext) {
		if (!ctx.hasUI) return;
		const { showDiagnostics } = await settings(ctx.cwd);
		if (!showDiagnostics || (!held.size && !lastConflict)) {
			ctx.ui.setStatus(STATUS_KEY, undefined);
			return;
		}
		const paths = [...held.values()].map((c) => c.path);
		const holding = paths.length ? `holding ${paths.length} claim${paths.length === 1 ? "" : "s"}: ${paths.slice(0, 3).join(", ")}${paths.length > 3 ? ", ..." : ""}` : "";
		ctx.ui.setStatus(STATUS_KEY, `flc: ${[holding, lastConflict].filter(Boolean).join(" | ")}`);
	}

	async function releaseEverything(ctx: ExtensionContext) {
		const b = await getBackend(ctx.cwd);
		if (!b) return;
		try {
			untrack(await b.releaseAll(session));
			await noticeExpired(b);
		} catch (error) {
			warn(ctx, `could not release claims (${message(error)})`);
		}
		lastConflict = undefined;
		await refreshStatus(ctx);
	}

	pi.on("session_start", async (_event, ctx) => {
		// Commands run by the bash or powershell tool (a `git commit` through the guard, `flc`
		// itself) inherit FLC_SESSION and act as this session; Pi >= 0.82 also gives them
		// PI_SESSION_ID, the same id, which flc reads as `pi:<id>`. /new, /resume and /fork start a
		// new session and come through here again.
		session = `pi:${ctx.sessionManager.getSessionId()}`;
		process.env.FLC_SESSION = session;
		held.clear();
		lastConflict = undefined;
		cachedSettings = undefined;
		await refreshStatus(ctx);
	});

	pi.on("agent_start", async () => {
		cachedSettings = undefined; // settings may have changed (flc config set) since the last run
	});

	// Nested calls (code mode, with parentToolCallId) come through here too and are gated alike.
	pi.on("tool_call", async (event, ctx) => {
		const config = await settings(ctx.cwd);
		if (!config.blockedTools.includes(event.toolName)) return;
		const target = (event.input as { path?: unknown }).path;
		if (typeof target !== "string" || target === "") return;
		const file = path.resolve(ctx.cwd, target);
		try {
			const b = await getBackend(ctx.cwd);
			if (!b) return; // not in a git repository: nothing to coordinate
			const outcome = await b.claim(session, file, true); // waits up to flc's waitTimeout
			if (!outcome) return; // outside the repository
			if (outcome.granted) {
				track(outcome.claims);
				lastConflict = undefined;
				await refreshStatus(ctx);
				return;
			}
			pi.events.emit("claim:conflicted", { path: target, holder: outcome.holder, error: outcome.error, conflicts: outcome.conflicts });
			lastConflict = `${target} held by ${outcome.holder}`;
			await refreshStatus(ctx);
			return { block: true, reason: outcome.message ?? outcome.error ?? `${target} is held by ${outcome.holder}` };
		} catch (error) {
			warn(ctx, `could not claim ${target} (${message(error)}); the ${event.toolName} is allowed`);
			return;
		}
	});

	// Shell commands are read before they run: destructive git verbs on other sessions' files are
	// refused, obvious write targets claimed, and a snapshot saved before discarding changes.
	// PowerShell commands too: git verbs, redirections and the POSIX-named aliases read the same.
	pi.on("tool_call", async (event, ctx) => {
		if (!SHELL_TOOLS.includes(event.toolName)) return;
		const command = (event.input as { command?: unknown }).command;
		if (typeof command !== "string" || command.trim() === "") return;
		try {
			const b = await getBackend(ctx.cwd);
			if (!b) return;
			const decision = await b.checkCommand(session, command, ctx.cwd);
			if (decision.allowed) return;
			lastConflict = decision.reason?.split("\n")[0];
			pi.events.emit("shell:refused", { command, reason: decision.reason });
			await refreshStatus(ctx);
			return { block: true, reason: decision.reason ?? "refused by flc" };
		} catch (error) {
			warn(ctx, `could not check the ${event.toolName} command (${message(error)}); it is allowed`);
			return;
		}
	});

	pi.on("tool_result", async (event, ctx) => {
		const config = await settings(ctx.cwd);
		if (config.release !== "edit" || !config.blockedTools.includes(event.toolName)) return;
		const target = (event.input as { path?: unknown }).path;
		const b = await getBackend(ctx.cwd);
		if (!b || typeof target !== "string") return;
		try {
			untrack(await b.release(session, path.resolve(ctx.cwd, target), false));
		} catch (error) {
			warn(ctx, `could not release ${target} (${message(error)})`);
		}
		await refreshStatus(ctx);
	});

	// Release at true idle. agent_end is not final on Pi >= 0.80.4 (retries, compaction and
	// queued follow-ups run after it), so there the release waits for agent_settled.
	onEvent(pi, SETTLES ? "agent_settled" : "agent_end", async (ctx) => {
		const { release } = await settings(ctx.cwd);
		if (release === "turn") await releaseEverything(ctx);
	});

	pi.on("session_shutdown", async (_event, ctx) => {
		await releaseEverything(ctx);
	});

	// The LLM-callable tools: the seed's names and parameters, the same semantics as `flc mcp`.
	const kind = StringEnum(["read", "write", "exclusive"] as const, { description: "read (shared), write (default) or exclusive" });
	const tools = [
		{
			name: "file_claiming_claim",
			label: "Claim files",
			description:
				"Claim files before editing them so other agent sessions do not edit them at the same time. All or nothing. Paths may be files, directories ending in '/', or globs. Fails, naming the holder, when another session holds a conflicting claim.",
			parameters: Type.Object({
				paths: Type.Array(Type.String(), { minItems: 1, description: "Files, directories ending in '/', or globs" }),
				kind: Type.Optional(kind),
				ttl: Type.Optional(Type.String({ description: "How long the claim lives without activity, e.g. '10m'" })),
				reason: Type.Optional(Type.String({ description: "What you are doing; shown to anyone you block" })),
			}),
			promptGuidelines: [
				"Several agent sessions may edit this repository at once; edit and write claim their file automatically. If an edit is blocked because another session holds the file, do not retry it at once: work on other files and come back later.",
				"Use file_claiming_claim to reserve files or whole directories before a larger change, file_claiming_check to ask whether a path is free, file_claiming_release when done early, and file_claiming_list to see who holds what.",
			],
		},
		{
			name: "file_claiming_release",
			label: "Release a claim",
			description: "Release one of your claims, by claim id or by path.",
			parameters: Type.Object({ id: Type.Optional(Type.String({ description: "Claim id, e.g. c-1a2b3c4d" })), path: Type.Optional(Type.String({ description: "The path as claimed" })) }),
		},
		{
			name: "file_claiming_list",
			label: "List claims",
			description: "List all live file claims in this repository (every session), and queued requests.",
			parameters: Type.Object({}),
		},
		{
			name: "file_claiming_check",
			label: "Check a path",
			description: "Check whether you could claim a path now, and who holds it if not. Claims nothing.",
			parameters: Type.Object({ path: Type.String(), kind: Type.Optional(kind) }),
		},
	];

	for (const tool of tools) {
		pi.registerTool({
			...tool,
			async execute(_toolCallId, params, _signal, _onUpdate, ctx) {
				const b = await getBackend(ctx.cwd);
				if (!b) throw new Error("flc: this directory is not inside a git repository; there are no claims here");
				const result = await b.tool(session, tool.name, params);
				if (tool.name === "file_claiming_claim") track((result.details.claims as ClaimView[] | undefined) ?? []);
				if (tool.name === "file_claiming_release") untrack((result.details.released as ClaimView[] | undefined) ?? []);
				if (tool.name === "file_claiming_list") await noticeExpired(b);
				await refreshStatus(ctx);
				return { content: [{ type: "text" as const, text: result.text }], details: result.details };
			},
		});
	}

	// What a shell command changes is this session's (flc's shell attribution; library mode).
	// Registered after the edit gate, so a call refused before it runs opens no window.
	pi.on("tool_call", async (event, ctx) => {
		if (!SHELL_TOOLS.includes(event.toolName)) return;
		try {
			const b = await getBackend(ctx.cwd);
			await b?.shellBegin?.(session, event.toolCallId);
		} catch (error) {
			warn(ctx, `could not look at the working tree before ${event.toolName} (${message(error)}); its changes are not attributed`);
		}
	});

	pi.on("tool_result", async (event, ctx) => {
		if (!SHELL_TOOLS.includes(event.toolName)) return;
		let report: { forModel: string | null; forUser: string | null } | null | undefined;
		try {
			const b = await getBackend(ctx.cwd);
			report = await b?.shellFinish?.(session, event.toolCallId);
		} catch (error) {
			warn(ctx, `could not attribute what ${event.toolName} changed (${message(error)})`);
			return;
		}
		if (report?.forUser) warn(ctx, report.forUser.replace(/^flc: /, ""));
		if (report?.forModel) return { content: [...event.content, { type: "text" as const, text: report.forModel }] };
		return;
	});

	pi.registerCommand("file-claiming-config", {
		description: "Show flc's settings, or change them: key=value ...",
		handler: async (args, ctx) => {
			const b = await getBackend(ctx.cwd);
			if (!b) return say(ctx, "flc: not inside a git repository", "warning");
			const assignments = args.trim() ? args.trim().split(/\s+/).map(toFlcAssignment) : [];
			try {
				const config = assignments.length ? await b.setConfig(assignments) : await b.config();
				cachedSettings = undefined;
				const lines = Object.entries(config).map(([key, value]) => `${key} = ${value}`);
				say(ctx, `${assignments.length ? "flc settings changed" : "flc settings"}:\n${lines.join("\n")}`, "info");
			} catch (error) {
				say(ctx, `flc: ${message(error)}`, "error");
			}
		},
	});

	pi.registerCommand("file-claiming-locks", {
		description: "List file claims and release one (yours, or another session's after confirmation)",
		handler: async (args, ctx) => {
			const b = await getBackend(ctx.cwd);
			if (!b) return say(ctx, "flc: not inside a git repository", "warning");
			const claims = await b.claims();
			const label = (c: ClaimView) => `${c.path} — ${c.kind} by ${c.agent ? `${c.session}/${c.agent}` : c.session}${c.session === session ? " (you)" : ""} [${c.id}]`;
			const [verb, target] = args.trim().split(/\s+/);
			let chosen: ClaimView | undefined;
			if (verb === "release" && target) {
				chosen = claims.find((c) => c.id === target || c.path === target);
				if (!chosen) return say(ctx, `flc: no claim ${target}`, "warning");
			} else if (ctx.hasUI && claims.length) {
				const picked = await ctx.ui.select("File claims — pick one to release", [...claims.map(label), "Cancel"]);
				chosen = claims.find((c) => label(c) === picked);
				if (!chosen) return;
				const theirs = chosen.session !== session;
				const ok = await ctx.ui.confirm("Release claim?", `${label(chosen)}${theirs ? "\nIt belongs to another session: it may still be editing this file." : ""}`);
				if (!ok) return;
			} else {
				const text = claims.length ? claims.map(label).join("\n") : "No claims.";
				return say(ctx, `${text}\nRelease one with: /file-claiming-locks release <id>`, "info");
			}
			try {
				const released = await b.release(session, chosen.id, chosen.session !== session);
				untrack(released.filter((c) => c.session === session));
				await refreshStatus(ctx);
				say(ctx, `flc: released ${chosen.path}`, "info");
			} catch (error) {
				say(ctx, `flc: ${message(error)}`, "error");
			}
		},
	});
}

/** Shown in the UI when there is one; printed otherwise (print and JSON modes). */
function say(ctx: ExtensionContext, text: string, level: "info" | "warning" | "error") {
	if (ctx.hasUI) ctx.ui.notify(text, level);
	else process.stdout.write(`${text}\n`);
}

function warn(ctx: ExtensionContext, text: string) {
	if (ctx.hasUI) ctx.ui.notify(`flc: ${text}`, "warning");
	else process.stderr.write(`flc: ${text}\n`);
}

function message(error: unknown): string {
	return error instanceof Error ? error.message : String(error);
}

/** Accepts flc keys and the seed's (autoReleaseTTL in ms, releaseOnTurnEnd true/false). */
function toFlcAssignment(assignment: string): string {
	const eq = assignment.indexOf("=");
	if (eq <= 0) return assignment; // flc reports the bad form
	const key = assignment.slice(0, eq);
	let value = assignment.slice(eq + 1);
	const flcKey = SEED_KEYS[key] ?? key;
	if (key === "autoReleaseTTL" && /^\d+$/.test(value)) value = `${value}ms`;
	if (key === "releaseOnTurnEnd") value = /^(true|1|yes|on)$/i.test(value) ? "turn" : /^(false|0|no|off)$/i.test(value) ? "session" : value;
	return `${flcKey}=${value}`;
}

/** flc in-process when the project has it, else the `flc` command; null outside a repository. */
async function loadBackend(pi: ExtensionAPI, cwd: string): Promise<Backend | null> {
	const lib = await importLibrary(cwd);
	if (lib) {
		let coordinator: InstanceType<typeof lib.Coordinator>;
		try {
			coordinator = lib.Coordinator.open(cwd);
		} catch (error) {
			if (lib.isFlcError(error) && error.code === "NOT_A_REPO") return null;
			throw error;
		}
		return libraryBackend(lib, coordinator);
	}
	const command = projectCommand(cwd) ?? "flc";
	const probe = await pi.exec(command, ["status", "--json"], { cwd, timeout: 10_000 });
	if (probe.code === 3) return null;
	if (probe.code !== 0) throw new Error(`flc is not installed (npm install -D file-lock-coordinator): ${probe.stderr.trim()}`);
	return cliBackend(pi, cwd, command);
}

type Library = typeof import("file-lock-coordinator");

/**
 * The project's own flc (its dev dependency, found from the working directory up), else one that
 * resolves from this file. The personal copy lives outside the project, so it must look from cwd.
 */
async function importLibrary(cwd: string): Promise<Library | undefined> {
	for (let dir = cwd; ; dir = path.dirname(dir)) {
		const entry = path.join(dir, "node_modules", "file-lock-coordinator", "dist", "index.js");
		if (fs.existsSync(entry)) {
			try {
				return (await import(pathToFileURL(entry).href)) as Library;
			} catch {
				break;
			}
		}
		if (path.dirname(dir) === dir) break;
	}
	try {
		return await import("file-lock-coordinator");
	} catch {
		return undefined;
	}
}

/** The project's `node_modules/.bin/flc`, from the working directory up. */
function projectCommand(cwd: string): string | undefined {
	for (let dir = cwd; ; dir = path.dirname(dir)) {
		const bin = path.join(dir, "node_modules", ".bin", "flc");
		if (fs.existsSync(bin)) return bin;
		if (path.dirname(dir) === dir) return undefined;
	}
}

interface Placement {
	/** Whether this copy registers anything. */
	acts: boolean;
	/** For a personal copy that stands down: what to tell an untrusted session. */
	notice?: string;
}

/**
 * Decides, from the file system alone, which copy acts, so that the project copy and the
 * personal copy agree whatever order Pi loads them in: the personal copy (any copy outside
 * `<cwd>/.pi/extensions`, also one given with -e) acts where flc is set up in this clone; the
 * project copy acts unless the personal one does.
 */
function whereLoaded(): Placement {
	const cwd = process.cwd();
	const self = ownFile();
	const project = self !== undefined && path.dirname(self) === path.join(realPath(cwd), ".pi", "extensions");
	const store = flcStore(cwd);
	const personalActs = store !== undefined && fs.existsSync(store);
	if (project) return { acts: !(personalActs && personalCopyInstalled()) };
	if (personalActs) return { acts: true };
	// A repository whose team set flc up for Pi, in a clone where flc has not run yet.
	if (store !== undefined && fs.existsSync(path.join(cwd, ".pi", "extensions", "flc.ts"))) {
		return {
			acts: false,
			notice: "this project uses flc, but Pi has not loaded its extension (the project is not trusted) and flc is not set up in this clone, so edits are not coordinated. Run `npx flc init --pi`, or trust the project (/trust, or --approve).",
		};
	}
	return { acts: false };
}

function ownFile(): string | undefined {
	try {
		return realPath(fileURLToPath(import.meta.url));
	} catch {
		return undefined;
	}
}

function realPath(file: string): string {
	try {
		return fs.realpathSync(file);
	} catch {
		return path.resolve(file);
	}
}

/** `<git common dir>/flc`, or undefined outside a git repository. */
function flcStore(cwd: string): string | undefined {
	try {
		const out = execFileSync("git", ["rev-parse", "--git-common-dir"], { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], timeout: 5_000 });
		return path.join(path.resolve(cwd, out.trim()), "flc");
	} catch {
		return undefined;
	}
}

/** Pi's personal directory: PI_CODING_AGENT_DIR, else ~/.pi/agent. */
function agentDir(): string {
	const configured = process.env.PI_CODING_AGENT_DIR;
	if (configured) return path.resolve(configured.replace(/^~(?=$|[\\/])/, os.homedir()));
	return path.join(os.homedir(), ".pi", "agent");
}

function personalCopyInstalled(): boolean {
	try {
		return fs.readFileSync(path.join(agentDir(), "extensions", "flc.ts"), "utf8").includes(MARKER);
	} catch {
		return false;
	}
}

/** Subscribes to an event this Pi may not have (the types of older Pi do not list it). */
function onEvent(pi: ExtensionAPI, event: string, handler: (ctx: ExtensionContext) => Promise<void>) {
	(pi.on as unknown as (name: string, h: (event: unknown, ctx: ExtensionContext) => Promise<void>) => void)(event, (_event, ctx) => handler(ctx));
}

function versionAtLeast(version: string, wanted: [number, number, number]): boolean {
	const parts = version.split(/[.-]/).slice(0, 3).map(Number);
	for (let i = 0; i < 3; i++) {
		const have = parts[i] ?? 0;
		if (Number.isNaN(have)) return false;
		if (have !== wanted[i]) return have > wanted[i]!;
	}
	return true;
}

function libraryBackend(lib: typeof import("file-lock-coordinator"), coordinator: InstanceType<typeof lib.Coordinator>): Backend {
	// An flc without shell attribution (older than this extension) simply does not offer it.
	const shell = typeof lib.ShellChangesService === "function" ? new lib.ShellChangesService(coordinator.repo, coordinator.store) : undefined;
	const show = (config: Record<string, unknown>) =>
		Object.fromEntries(Object.keys(lib.CONFIG_KEYS).map((key) => [key, lib.showConfigValue(key as never, config[key] as never)]));
	return {
		mode: "library",
		async claim(session, file, wait) {
			try {
				const result = await coordinator.claim({ session, paths: [file], literal: true, kind: "write", wait, reason: "edit (Pi)" });
				if (result.granted) return { granted: true, claims: result.claims };
				return { ...result, message: lib.describeRefusal(path.relative(coordinator.repo.root, file), result) };
			} catch (error) {
				if (lib.isFlcError(error) && error.code === "OUTSIDE_REPO") return null;
				throw error;
			}
		},
		async release(session, target, force) {
			return (await coordinator.release({ session, targets: [target], literal: true, force })).released;
		},
		async releaseAll(session) {
			return (await coordinator.release({ session, all: true })).released;
		},
		async claims() {
			return coordinator.status().claims;
		},
		tool: (session, name, params) => lib.runClaimTool(name, params, { coordinator, session }),
		async checkCommand(session, command, cwd) {
			const decision = await coordinator.shell.check({ session, command, cwd, wait: true, via: "Pi" });
			return { allowed: decision.allowed, reason: decision.reason };
		},
		async config() {
			return show(coordinator.store.config() as unknown as Record<string, unknown>);
		},
		async setConfig(assignments) {
			return show((await coordinator.store.updateConfig(lib.parseAssignments(assignments))) as unknown as Record<string, unknown>);
		},
		...(shell
			? {
					async shellBegin(session: string, id: string) {
						await shell.begin({ session }, id);
					},
					async shellFinish(session: string, id: string) {
						const report = await shell.finish({ session }, id);
						return report && { forModel: report.forModel, forUser: report.forUser };
					},
				}
			: {}),
	};
}

function cliBackend(pi: ExtensionAPI, cwd: string, command: string): Backend {
	async function run(args: string[], okCodes = [0]): Promise<any> {
		const result = await pi.exec(command, [...args, "--json"], { cwd, timeout: 120_000 });
		if (result.killed) throw new Error(`flc ${args[0]} was killed`);
		let data: any;
		try {
			data = JSON.parse(result.stdout);
		} catch {
			throw new Error(`flc ${args[0]} failed: ${result.stderr.trim() || result.stdout.trim()}`);
		}
		if (!okCodes.includes(result.code)) throw new Error(data?.error ?? `flc ${args[0]} exited ${result.code}`);
		return data;
	}
	return {
		mode: "cli",
		async claim(session, file, wait) {
			const args = ["claim", file, "--literal", "--session", session, "--reason", "edit (Pi)"];
			if (wait) args.push("--wait");
			// No exec timeout: flc bounds the wait itself, and killing it mid-wait would only lose the answer.
			const result = await pi.exec(command, [...args, "--json"], { cwd });
			const data = JSON.parse(result.stdout || "{}");
			if (data.code === "OUTSIDE_REPO") return null;
			if (result.code !== 0 && result.code !== 1) throw new Error(data.error ?? result.stderr.trim());
			return data;
		},
		async release(session, target, force) {
			return (await run(["release", target, "--literal", "--session", session, ...(force ? ["--force"] : [])])).released;
		},
		async releaseAll(session) {
			return (await run(["release", "--all", "--session", session])).released;
		},
		async claims() {
			return (await run(["status"])).claims;
		},
		async tool(session, name, params) {
			const result = await pi.exec(command, ["tool", name, JSON.stringify(params ?? {}), "--session", session, "--json"], { cwd, timeout: 60_000 });
			const data = JSON.parse(result.stdout || "{}");
			if (result.code !== 0) throw new Error(data.error ?? result.stderr.trim());
			return data;
		},
		async checkCommand(session, line, dir) {
			// No exec timeout: flc bounds its wait for held files itself.
			const result = await pi.exec(command, ["check-command", "--apply", "--session", session, "--json", "--", line], { cwd: dir });
			const data = JSON.parse(result.stdout || "{}");
			if (result.code !== 0 && result.code !== 1) throw new Error(data.error ?? result.stderr.trim());
			return { allowed: data.ok === true, reason: data.reason ?? null };
		},
		config: () => run(["config"]),
		setConfig: async (assignments) => {
			await run(["config", "set", ...assignments]);
			return run(["config"]);
		},
	};
}
