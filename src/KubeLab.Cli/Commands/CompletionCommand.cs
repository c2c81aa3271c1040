using System.CommandLine;

namespace KubeLab.Cli.Commands;

internal static class CompletionCommand
{
    public static Command Create(CliContext context)
    {
        var shell = new Argument<string>("SHELL") { Description = "bash or zsh" };
        shell.AcceptOnlyFromAmong("bash", "zsh");
        var command = new Command("completion", """
            Print a shell completion script (commands, options, resource types).


            Examples:
              source <(kubelab completion bash)
              kubelab completion zsh > "${fpath[1]}/_kubelab"
            """)
        { shell };
        command.SetAction(parse =>
        {
            // System.CommandLine answers `kubelab [suggest:POS] "LINE"` with the candidates.
            context.Out.Write(parse.GetValue(shell) == "zsh"
                ? """
                  #compdef kubelab
                  _kubelab() {
                    local -a completions
                    completions=("${(@f)$(kubelab "[suggest:${#BUFFER}]" "$BUFFER" 2>/dev/null)}")
                    compadd -- $completions
                  }
                  compdef _kubelab kubelab

                  """
                : """
                  _kubelab_complete() {
                    local IFS=$'\n'
                    COMPREPLY=( $(kubelab "[suggest:${COMP_POINT}]" "${COMP_LINE}" 2>/dev/null) )
                  }
                  complete -o default -F _kubelab_complete kubelab

                  """);
            return 0;
        });
        return command;
    }
}
