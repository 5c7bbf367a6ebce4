/**
 * The master wires options, commands, the log and the addon manager, and runs the
 * lifecycle: `running` once everything is loaded, `done` at shutdown. It knows no
 * particular addon: each tool (dump, web, console) composes its own list.
 */
import { AddonManager } from "./addon_manager.ts";
import { CommandManager } from "./command.ts";
import { Logger } from "./log.ts";
import { Options } from "./options.ts";

export class Master {
  readonly options = new Options();
  readonly commands = new CommandManager();
  readonly logger = new Logger();
  readonly addons: AddonManager;
  #exit!: () => void;
  readonly #exited: Promise<void>;
  #exitCode = 0;

  constructor() {
    this.addons = new AddonManager({
      options: this.options,
      commands: this.commands,
      logger: this.logger,
    });
    this.#exited = new Promise((resolve) => (this.#exit = resolve));
  }

  /** Runs until `shutdown()`; returns the exit code. */
  async run(): Promise<number> {
    this.addons.configureAll();
    await this.addons.trigger("running");
    await this.#exited;
    await this.addons.trigger("done");
    return this.#exitCode;
  }

  shutdown(exitCode = 0): void {
    this.#exitCode = exitCode;
    this.#exit();
  }
}
