import type { Command } from 'commander';
import { SluiceError } from '../../core/errors.ts';

/**
 * `sluice completion bash|zsh`: a completion script generated from the command tree itself, so a new flag
 * completes without anyone editing a script. Install: `source <(sluice completion bash)`, or for zsh
 * `sluice completion zsh > "${fpath[1]}/_sluice"`.
 */
export function registerCompletionCommand(program: Command): void {
  program
    .command('completion')
    .description('Print a tab-completion script: source <(sluice completion bash), or zsh.')
    .argument('<shell>', 'bash | zsh')
    .action((shell: string) => {
      const tree = commandTree(program);
      if (shell === 'bash') process.stdout.write(bashScript(tree));
      else if (shell === 'zsh') process.stdout.write(zshScript(tree));
      else throw new SluiceError('USAGE', `completion: bash or zsh, not ${JSON.stringify(shell)}`);
    });
}

/** `path` (space-separated subcommands, '' for the root) → the words that may follow it. */
export function commandTree(program: Command): Map<string, string[]> {
  const tree = new Map<string, string[]>();
  const walk = (cmd: Command, path: string): void => {
    const words = [
      ...cmd.commands.map((c) => c.name()),
      ...cmd.options.flatMap((o) => [o.long, o.short].filter((f): f is string => Boolean(f))),
      '--help',
    ];
    tree.set(path, [...new Set(words)]);
    for (const sub of cmd.commands) walk(sub, path ? `${path} ${sub.name()}` : sub.name());
  };
  walk(program, '');
  return tree;
}

function bashScript(tree: Map<string, string[]>): string {
  const cases = [...tree].map(([path, words]) => `    "${path}") words="${words.join(' ')}" ;;`).join('\n');
  return `# sluice bash completion: source <(sluice completion bash)
_sluice() {
  local cur path word words i
  cur="\${COMP_WORDS[COMP_CWORD]}"
  path=""
  for ((i = 1; i < COMP_CWORD; i++)); do
    word="\${COMP_WORDS[i]}"
    [[ "$word" == -* ]] && continue
    case " $(_sluice_words "$path") " in *" $word "*) path="\${path:+$path }$word" ;; esac
  done
  COMPREPLY=($(compgen -W "$(_sluice_words "$path")" -- "$cur"))
  [[ \${#COMPREPLY[@]} -eq 0 ]] && COMPREPLY=($(compgen -f -- "$cur"))
  return 0
}
_sluice_words() {
  local words=""
  case "$1" in
${cases}
  esac
  echo "$words"
}
complete -F _sluice sluice
`;
}

function zshScript(tree: Map<string, string[]>): string {
  return `#compdef sluice
# sluice zsh completion: sluice completion zsh > "\${fpath[1]}/_sluice"
autoload -U +X bashcompinit && bashcompinit
${bashScript(tree).split('\n').slice(1).join('\n')}`;
}
