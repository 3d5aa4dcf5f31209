# bash completion for bucketguard(1): commands, global and per-command
# options, and file names where an option or argument takes a file. Object
# names (BUCKET/KEY) are not completed: that would need a network call.

_bucketguard_reply()
{
    mapfile -t COMPREPLY < <(compgen "$@" -- "$cur")
}

_bucketguard()
{
    local cur prev words cword
    if declare -F _init_completion >/dev/null; then
        _init_completion || return
    else
        cur=${COMP_WORDS[COMP_CWORD]}
        prev=${COMP_WORDS[COMP_CWORD - 1]}
        words=("${COMP_WORDS[@]}")
        cword=$COMP_CWORD
    fi

    local commands="get put exists info ls rm cp mv sign buckets routes
        monitor health verify diagnose help"
    local global="--env-file --config --url --route --retries --timeout
        --deadline --ca-bundle --resolve --set --json -v --verbose --debug
        -q --quiet -h --help --version"
    local routes="default library-ua browser-ua conn-close minimal ipv4 ipv6
        http1.1 http2 fresh"

    case $prev in
    --env-file | --config | --ca-bundle | -o | --output | --metrics-file | \
        --token-file)
        _bucketguard_reply -f
        compopt -o filenames 2>/dev/null
        return
        ;;
    --route)
        _bucketguard_reply -W "$routes"
        return
        ;;
    --sort)
        _bucketguard_reply -W "name created_at updated_at
            last_accessed_at"
        return
        ;;
    --url | --retries | --timeout | --deadline | --resolve | --set | \
        --content-type | --cache-control | --limit | --offset | --expires | \
        --size-limit | --mime | --interval | --route-interval | --listen | \
        --metrics-every | --count)
        return
        ;;
    esac

    # The command is the first word that is not an option or the value of
    # an option that takes one.
    local i cmd=
    for ((i = 1; i < cword; i++)); do
        case ${words[i]} in
        --env-file | --config | --url | --route | --retries | --timeout | \
            --deadline | --ca-bundle | --resolve | --set)
            ((i++))
            ;;
        -*) ;;
        *)
            cmd=${words[i]}
            break
            ;;
        esac
    done

    if [[ -z $cmd ]]; then
        if [[ $cur == -* ]]; then
            _bucketguard_reply -W "$global"
        else
            _bucketguard_reply -W "$commands"
        fi
        return
    fi

    local opts=
    case $cmd in
    get) opts="-o --output" ;;
    put) opts="--upsert --put --content-type --cache-control" ;;
    ls) opts="--limit --offset --sort --desc" ;;
    sign) opts="--expires" ;;
    verify) opts="--count" ;;
    buckets) opts="--public --size-limit --mime" ;;
    monitor) opts="--interval --route-interval --metrics-file
        --no-metrics-file --metrics-every --listen --no-http --token-file
        --count" ;;
    help)
        _bucketguard_reply -W "$commands"
        return
        ;;
    esac

    if [[ $cur == -* ]]; then
        _bucketguard_reply -W "$opts $global"
    elif [[ $cmd == buckets && ${words[cword - 1]} == buckets ]]; then
        _bucketguard_reply -W "create get delete"
    elif [[ $cmd == put && ${words[cword - 1]} == put ]]; then
        _bucketguard_reply -f
        compopt -o filenames 2>/dev/null
    fi
}

complete -F _bucketguard bucketguard
