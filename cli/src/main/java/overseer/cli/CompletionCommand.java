package overseer.cli;

import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.util.List;

/**
 * `source <(overseer generate-completion)`: picocli's bash/zsh script for every verb and flag (restart
 * policies and signals among the flag values), plus task ids asked of the daemon where a verb takes one,
 * registered for `overseer` and `bin/overseer` alike.
 */
@Command(name = "generate-completion", mixinStandardHelpOptions = true,
        description = "Print a bash/zsh completion script: source <(overseer generate-completion).")
final class CompletionCommand implements Runnable {
    /** The verbs whose first positional argument is a task id. */
    static final List<String> ID_VERBS = List.of("start", "stop", "restart", "kill", "pause", "resume", "rm",
            "inspect", "top", "wait", "logs", "exec", "stats", "update");

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        String script = AutoComplete.bash("overseer", spec.root().commandLine());
        System.out.print(script);
        System.out.print("""

                # Task ids from the daemon, for the verbs that take one (after any flag's value).
                _overseer_with_ids() {
                  local verb="${COMP_WORDS[1]}" cur="${COMP_WORDS[COMP_CWORD]}" prev="${COMP_WORDS[COMP_CWORD-1]}"
                  case " %s " in
                    *" $verb "*)
                      if [[ $COMP_CWORD -ge 2 && "$cur" != -* && ( "$prev" != -* || "$prev" == "--" ) ]]; then
                        COMPREPLY=( $(compgen -W "$("${COMP_WORDS[0]}" ps -a -q 2>/dev/null)" -- "$cur") )
                        [[ ${#COMPREPLY[@]} -gt 0 ]] && return 0
                      fi ;;
                  esac
                  _complete_overseer "$@"
                }
                complete -F _overseer_with_ids -o default overseer bin/overseer ./bin/overseer
                """.formatted(String.join(" ", ID_VERBS)));
    }
}
