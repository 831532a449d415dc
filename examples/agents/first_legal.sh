#!/usr/bin/env bash
# An arena agent in plain bash: plays the first legal action it is offered.
# Protocol: docs/protocol.md. It asks for no observation, so each line stays short.
#   arena play openspiel/tic_tac_toe "cmd:bash examples/agents/first_legal.sh" random
while IFS= read -r line; do
  case "$line" in
    *'"type":"hello"'*)
      echo '{"type":"hello","name":"first_legal.sh","version":"1.0","protocol":1,"observation":false}' ;;
    *'"type":"reset"'*)
      echo '{"type":"ready"}' ;;
    *'"type":"act"'*)
      [[ "$line" =~ \"legal_actions\":\[([0-9]+) ]] && echo "{\"type\":\"action\",\"action\":${BASH_REMATCH[1]}}" ;;
    *'"type":"quit"'*)
      exit 0 ;;
  esac
done
