#Requires -Version 5.1
<#
TempSweep module: PowerShell functions around the tempsweep binary.

Each public function starts tempsweep once with System.Diagnostics.Process,
writes its input records to stdin as compact JSON lines (UTF-8 without BOM)
and turns every NDJSON line on stdout into an object with ConvertFrom-Json.
The process is driven directly, not through PowerShell's native command
pipe, so $OutputEncoding, [Console]::OutputEncoding and the Windows
PowerShell 5.1 argument quoting do not change what tempsweep receives.

The module must load in Windows PowerShell 5.1 and PowerShell 7, so it uses
no syntax that 5.1 lacks (no ??, ?., &&, ||, ternary, clean blocks).

NOTE: scripts/pscheck parses this file, but no test runs it under PowerShell
yet; the process handling below has not been exercised on 5.1 or 7.
#>

Set-StrictMode -Version 2.0

$script:ExecutablePath = $null
$script:OnWindows = [System.Environment]::OSVersion.Platform -eq [System.PlatformID]::Win32NT
$script:Utf8NoBom = New-Object System.Text.UTF8Encoding $false
$script:IsoUtcFormat = "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'"

# PowerShell 7 turns ISO 8601 strings into DateTime values, which keep only
# 100 ns. PowerShell 7.5 can keep them as strings (-DateKind String), so a
# record goes back to tempsweep with the modTime exactly as tempsweep wrote it.
# PowerShell 7.x can return a one-element JSON array as its element; -NoEnumerate
# keeps a filter result that is an array as one object. Functions splat it as
# @JsonReadOptions, found through the module scope.
$script:JsonReadOptions = @{}
$convertFromJson = Get-Command -Name ConvertFrom-Json
if ($convertFromJson.Parameters.ContainsKey('DateKind')) {
    $script:JsonReadOptions['DateKind'] = 'String'
}
if ($convertFromJson.Parameters.ContainsKey('NoEnumerate')) {
    $script:JsonReadOptions['NoEnumerate'] = $true
}
Remove-Variable -Name convertFromJson

# Properties that PowerShell remoting adds to every object it returns. They
# are not part of a tempsweep record.
$script:RemotingProperties = @('PSComputerName', 'RunspaceId', 'PSShowComputerName')

$script:ServiceStates = @(
    'stopped', 'start-pending', 'stop-pending', 'running',
    'continue-pending', 'pause-pending', 'paused', 'not-found'
)

#region Private helpers

function New-TempSweepErrorRecord {
    param(
        [Parameter(Mandatory = $true)] [System.Exception] $Exception,
        [Parameter(Mandatory = $true)] [string] $ErrorId,
        [Parameter(Mandatory = $true)] [System.Management.Automation.ErrorCategory] $Category,
        [object] $TargetObject
    )
    return [System.Management.Automation.ErrorRecord]::new($Exception, $ErrorId, $Category, $TargetObject)
}

function Get-TempSweepProperty {
    # Returns a property's value, or $null when the object lacks it (strict
    # mode makes reading a missing property an error).
    param(
        [Parameter(Mandatory = $true)] [AllowNull()] [object] $InputObject,
        [Parameter(Mandatory = $true)] [string] $Name
    )
    if ($null -eq $InputObject) {
        return $null
    }
    $property = $InputObject.PSObject.Properties[$Name]
    if ($null -eq $property) {
        return $null
    }
    return $property.Value
}

function Resolve-TempSweepExecutable {
    # Order: Set-TempSweepExecutable, $env:TEMPSWEEP_EXE, the module folder, PATH.
    param([Parameter(Mandatory = $true)] [System.Management.Automation.PSCmdlet] $Caller)

    $configured = @(
        @{ Source = 'Set-TempSweepExecutable'; Path = $script:ExecutablePath },
        @{ Source = '$env:TEMPSWEEP_EXE'; Path = $env:TEMPSWEEP_EXE }
    )
    foreach ($entry in $configured) {
        if ([string]::IsNullOrEmpty($entry.Path)) {
            continue
        }
        if (Test-Path -LiteralPath $entry.Path -PathType Leaf) {
            return (Resolve-Path -LiteralPath $entry.Path).ProviderPath
        }
        $message = 'The tempsweep path from {0} does not exist: {1}' -f $entry.Source, $entry.Path
        $exception = [System.IO.FileNotFoundException]::new($message, $entry.Path)
        $Caller.ThrowTerminatingError((New-TempSweepErrorRecord $exception 'TempSweep.ExecutableNotFound' ObjectNotFound $entry.Path))
    }

    $fileName = 'tempsweep'
    if ($script:OnWindows) {
        $fileName = 'tempsweep.exe'
    }
    $besideModule = Join-Path -Path $PSScriptRoot -ChildPath $fileName
    if (Test-Path -LiteralPath $besideModule -PathType Leaf) {
        return $besideModule
    }
    $command = Get-Command -Name 'tempsweep' -CommandType Application -ErrorAction SilentlyContinue |
        Select-Object -First 1
    if ($null -ne $command) {
        return $command.Path
    }

    $message = 'tempsweep was not found. Put {0} next to TempSweep.psm1 ({1}) or in a folder on PATH, set $env:TEMPSWEEP_EXE, or run Set-TempSweepExecutable -Path FILE.' -f $fileName, $PSScriptRoot
    $exception = [System.IO.FileNotFoundException]::new($message, $fileName)
    $Caller.ThrowTerminatingError((New-TempSweepErrorRecord $exception 'TempSweep.ExecutableNotFound' ObjectNotFound $fileName))
}

function ConvertTo-TempSweepCommandLineArgument {
    # Quotes one argument for the command-line parsing rules that Windows
    # programs use (CommandLineToArgvW, Go's os.Args on Windows) and that .NET
    # applies to ProcessStartInfo.Arguments on Linux: backslashes are literal
    # unless they precede a double quote, and \" is a literal double quote.
    # Windows PowerShell 5.1 has no ProcessStartInfo.ArgumentList.
    param([AllowEmptyString()] [string] $Value)

    if ($Value.Length -gt 0 -and $Value -notmatch '[\s"]') {
        return $Value
    }
    $backslash = [char]92
    $builder = New-Object System.Text.StringBuilder
    [void]$builder.Append('"')
    $pendingBackslashes = 0
    foreach ($character in $Value.ToCharArray()) {
        if ($character -eq $backslash) {
            $pendingBackslashes++
            continue
        }
        if ($character -eq [char]34) {
            [void]$builder.Append($backslash, 2 * $pendingBackslashes + 1)
        }
        elseif ($pendingBackslashes -gt 0) {
            [void]$builder.Append($backslash, $pendingBackslashes)
        }
        [void]$builder.Append($character)
        $pendingBackslashes = 0
    }
    # Backslashes before the closing quote are doubled so that it stays a quote.
    [void]$builder.Append($backslash, 2 * $pendingBackslashes)
    [void]$builder.Append('"')
    return $builder.ToString()
}

function Resolve-TempSweepPath {
    # Turns a PowerShell path (relative, PSDrive, provider-qualified) into the
    # file system path that the tempsweep process needs. The process does not
    # share PowerShell's current location.
    param(
        [Parameter(Mandatory = $true)] [System.Management.Automation.PSCmdlet] $Caller,
        [Parameter(Mandatory = $true)] [string] $Path
    )
    return $Caller.SessionState.Path.GetUnresolvedProviderPathFromPSPath($Path)
}

function Format-TempSweepTime {
    param([Parameter(Mandatory = $true)] [datetime] $Time)
    return $Time.ToUniversalTime().ToString($script:IsoUtcFormat, [System.Globalization.CultureInfo]::InvariantCulture)
}

function ConvertTo-TempSweepDictionary {
    # Builds the ordered property set of one record from a FileInfo, a
    # hashtable or any object with properties. DateTime values become ISO 8601
    # UTC strings with 7 fraction digits (the resolution of DateTime).
    param(
        [Parameter(Mandatory = $true)] [object] $InputObject
    )

    $record = [ordered]@{}
    if ($InputObject -is [System.IO.FileInfo]) {
        $record['type'] = 'file'
        $record['path'] = $InputObject.FullName
        $record['name'] = $InputObject.Name
        $record['ext'] = $InputObject.Extension
        $record['size'] = $InputObject.Length
        $record['modTime'] = Format-TempSweepTime $InputObject.LastWriteTimeUtc
        $record['accessTime'] = Format-TempSweepTime $InputObject.LastAccessTimeUtc
        $record['birthTime'] = Format-TempSweepTime $InputObject.CreationTimeUtc
        $record['readOnly'] = $InputObject.IsReadOnly
        $record['hidden'] = ($InputObject.Attributes -band [System.IO.FileAttributes]::Hidden) -ne 0
        return $record
    }

    $properties = @()
    if ($InputObject -is [System.Collections.IDictionary]) {
        foreach ($key in $InputObject.Keys) {
            $properties += , @([string]$key, $InputObject[$key])
        }
    }
    else {
        foreach ($property in $InputObject.PSObject.Properties) {
            if ($property.MemberType -eq 'NoteProperty' -or $property.MemberType -eq 'Property') {
                $properties += , @($property.Name, $property.Value)
            }
        }
    }
    foreach ($pair in $properties) {
        $name = $pair[0]
        $value = $pair[1]
        if ($script:RemotingProperties -contains $name) {
            continue
        }
        if ($value -is [datetime]) {
            $value = Format-TempSweepTime $value
        }
        elseif ($value -is [System.DateTimeOffset]) {
            $value = Format-TempSweepTime $value.UtcDateTime
        }
        $record[$name] = $value
    }
    return $record
}

function ConvertTo-TempSweepJsonLine {
    # Returns one compact JSON line for an input object. Strings that already
    # hold JSON (lines from a native tempsweep run) are passed on unchanged.
    param([Parameter(Mandatory = $true)] [AllowNull()] [object] $InputObject)

    if ($null -eq $InputObject) {
        return 'null'
    }
    if ($InputObject -is [string]) {
        $text = $InputObject.Trim()
        if ($text.StartsWith('{') -or $text.StartsWith('[')) {
            return $text
        }
        return (ConvertTo-Json -InputObject $InputObject -Compress)
    }
    if ($InputObject -is [System.ValueType]) {
        return (ConvertTo-Json -InputObject $InputObject -Compress)
    }
    $record = ConvertTo-TempSweepDictionary -InputObject $InputObject
    return (ConvertTo-Json -InputObject $record -Compress -Depth 10)
}

function Get-TempSweepRecordPath {
    # Returns the path a record names: path (tempsweep records) or FullName
    # (PowerShell objects), or $null.
    param([Parameter(Mandatory = $true)] [object] $Record)

    foreach ($name in @('path', 'FullName')) {
        if ($Record -is [System.Collections.IDictionary]) {
            if ($Record.Contains($name) -and -not [string]::IsNullOrEmpty([string]$Record[$name])) {
                return [string]$Record[$name]
            }
            continue
        }
        $property = $Record.PSObject.Properties[$name]
        if ($null -ne $property -and -not [string]::IsNullOrEmpty([string]$property.Value)) {
            return [string]$property.Value
        }
    }
    return $null
}

function ConvertFrom-TempSweepLine {
    param(
        [Parameter(Mandatory = $true)] [System.Management.Automation.PSCmdlet] $Caller,
        [Parameter(Mandatory = $true)] [AllowEmptyString()] [string] $Line
    )

    if ($Line.Trim().Length -eq 0) {
        return
    }
    try {
        $value = ConvertFrom-Json -InputObject $Line @JsonReadOptions
    }
    catch {
        $message = 'tempsweep wrote a line that is not valid JSON: {0}' -f $Line
        $exception = [System.FormatException]::new($message, $_.Exception)
        $Caller.WriteError((New-TempSweepErrorRecord $exception 'TempSweep.InvalidOutput' ParserError $Line))
        return
    }
    if ($value -is [System.Management.Automation.PSCustomObject]) {
        $type = $value.PSObject.Properties['type']
        if ($null -ne $type -and $type.Value -eq 'file') {
            $value.PSObject.TypeNames.Insert(0, 'TempSweep.FileRecord')
        }
        elseif ($null -ne $type -and $type.Value -eq 'service') {
            $value.PSObject.TypeNames.Insert(0, 'TempSweep.ServiceRecord')
        }
    }
    # The unary comma keeps an array result as one object on the pipeline.
    , $value
}

function Receive-TempSweepOutput {
    # Emits the objects for every stdout line that has already arrived,
    # without blocking. $State.Read is the pending ReadLineAsync task, or
    # $null once stdout is at its end.
    param(
        [Parameter(Mandatory = $true)] [System.Management.Automation.PSCmdlet] $Caller,
        [Parameter(Mandatory = $true)] [hashtable] $State
    )

    while ($null -ne $State.Read -and $State.Read.IsCompleted) {
        if ($State.Read.IsFaulted -or $State.Read.IsCanceled) {
            $State.Read = $null
            break
        }
        $line = $State.Read.Result
        if ($null -eq $line) {
            $State.Read = $null
            break
        }
        $State.Read = $State.Stdout.ReadLineAsync()
        ConvertFrom-TempSweepLine -Caller $Caller -Line $line
    }
}

function Wait-TempSweepTask {
    # Waits for a stdin write or flush while passing on stdout lines, so that
    # tempsweep never blocks on a full stdout pipe while this side blocks on a
    # full stdin pipe. The 250 ms slices let Ctrl+C stop the pipeline.
    param(
        [Parameter(Mandatory = $true)] [System.Management.Automation.PSCmdlet] $Caller,
        [Parameter(Mandatory = $true)] [hashtable] $State,
        [Parameter(Mandatory = $true)] [System.Threading.Tasks.Task] $Task
    )

    while (-not $Task.IsCompleted) {
        $waitFor = [System.Threading.Tasks.Task[]]@($Task)
        if ($null -ne $State.Read) {
            $waitFor = [System.Threading.Tasks.Task[]]@($Task, $State.Read)
        }
        [void][System.Threading.Tasks.Task]::WaitAny($waitFor, 250)
        Receive-TempSweepOutput -Caller $Caller -State $State
    }
    if ($Task.IsFaulted) {
        # tempsweep closed its stdin: it has exited (for example on a usage
        # error) or stopped reading. Its exit code tells why.
        $State.InputClosed = $true
        Write-Verbose ('tempsweep stopped reading input: {0}' -f $Task.Exception.InnerException.Message)
    }
}

function Send-TempSweepBatch {
    param(
        [Parameter(Mandatory = $true)] [System.Management.Automation.PSCmdlet] $Caller,
        [Parameter(Mandatory = $true)] [hashtable] $State,
        [Parameter(Mandatory = $true)] [System.Text.StringBuilder] $Batch
    )

    if ($Batch.Length -eq 0 -or $State.InputClosed) {
        return
    }
    $bytes = $script:Utf8NoBom.GetBytes($Batch.ToString())
    [void]$Batch.Clear()
    try {
        $write = $State.Stdin.WriteAsync($bytes, 0, $bytes.Length)
        Wait-TempSweepTask -Caller $Caller -State $State -Task $write
        if (-not $State.InputClosed) {
            Wait-TempSweepTask -Caller $Caller -State $State -Task $State.Stdin.FlushAsync()
        }
    }
    catch [System.IO.IOException], [System.ObjectDisposedException] {
        $State.InputClosed = $true
        Write-Verbose ('tempsweep stopped reading input: {0}' -f $_.Exception.Message)
    }
}

function Invoke-TempSweepProcess {
    # Runs tempsweep with the given arguments, writes InputLine to its stdin
    # (no stdin data when InputLine is $null), and emits one object per stdout
    # line as it arrives. Result receives ExitCode and StdErr.
    param(
        [Parameter(Mandatory = $true)] [System.Management.Automation.PSCmdlet] $Caller,
        [Parameter(Mandatory = $true)] [string[]] $ArgumentList,
        [AllowNull()] [AllowEmptyCollection()] [string[]] $InputLine,
        [Parameter(Mandatory = $true)] [hashtable] $Result
    )

    $executable = Resolve-TempSweepExecutable -Caller $Caller
    $quoted = foreach ($argument in $ArgumentList) {
        ConvertTo-TempSweepCommandLineArgument -Value $argument
    }

    $startInfo = New-Object System.Diagnostics.ProcessStartInfo
    $startInfo.FileName = $executable
    $startInfo.Arguments = $quoted -join ' '
    $startInfo.UseShellExecute = $false
    $startInfo.CreateNoWindow = $true
    $startInfo.RedirectStandardInput = $true
    $startInfo.RedirectStandardOutput = $true
    $startInfo.RedirectStandardError = $true
    $startInfo.StandardOutputEncoding = $script:Utf8NoBom
    $startInfo.StandardErrorEncoding = $script:Utf8NoBom
    $startInfo.WorkingDirectory = $Caller.SessionState.Path.CurrentFileSystemLocation.ProviderPath

    $process = New-Object System.Diagnostics.Process
    $process.StartInfo = $startInfo
    Write-Verbose ('Running: "{0}" {1}' -f $executable, $startInfo.Arguments)
    try {
        [void]$process.Start()
    }
    catch {
        $message = 'Cannot start tempsweep ({0}): {1}' -f $executable, $_.Exception.Message
        $exception = [System.InvalidOperationException]::new($message, $_.Exception)
        $Caller.ThrowTerminatingError((New-TempSweepErrorRecord $exception 'TempSweep.StartFailed' OpenError $executable))
    }

    # stderr is read to its end in the background from the start: a full
    # stderr pipe would otherwise stop tempsweep while this side waits on
    # stdout.
    $stderrTask = $process.StandardError.ReadToEndAsync()
    # Bytes go to the raw stdin stream. The StreamWriter that Process puts on
    # top of it uses the console input encoding, which can add a BOM.
    $state = @{
        Stdin       = $process.StandardInput.BaseStream
        Stdout      = $process.StandardOutput
        Read        = $null
        InputClosed = $false
    }
    $state.Read = $state.Stdout.ReadLineAsync()
    $finished = $false
    try {
        $batch = New-Object System.Text.StringBuilder
        if ($null -ne $InputLine) {
            foreach ($line in $InputLine) {
                [void]$batch.Append($line).Append("`n")
                if ($batch.Length -ge 65536) {
                    Send-TempSweepBatch -Caller $Caller -State $state -Batch $batch
                }
            }
            Send-TempSweepBatch -Caller $Caller -State $state -Batch $batch
        }
        $state.Stdin.Close()

        while ($null -ne $state.Read) {
            [void][System.Threading.Tasks.Task]::WaitAny([System.Threading.Tasks.Task[]]@($state.Read), 250)
            Receive-TempSweepOutput -Caller $Caller -State $state
        }
        $process.WaitForExit()
        $finished = $true
    }
    finally {
        if (-not $finished) {
            # The pipeline was stopped (Select-Object -First, Ctrl+C) or an
            # error escaped. Closing both pipes is what tempsweep treats as a
            # normal stop, and it is killed only if it does not exit soon after.
            # NOTE: a ReadLineAsync still pending may keep the stdout handle
            # open until it completes, so tempsweep can run on until the kill.
            try {
                $state.Stdin.Close()
                $state.Stdout.Close()
            }
            catch {
                Write-Verbose ('Closing the tempsweep pipes failed: {0}' -f $_.Exception.Message)
            }
            if (-not $process.WaitForExit(5000)) {
                Write-Verbose 'tempsweep did not exit within 5 seconds after its pipes were closed; stopping it.'
                try {
                    $process.Kill()
                }
                catch {
                    Write-Verbose ('Stopping tempsweep failed: {0}' -f $_.Exception.Message)
                }
                [void]$process.WaitForExit(5000)
            }
        }
        $Result.ExitCode = -1
        if ($process.HasExited) {
            $Result.ExitCode = $process.ExitCode
        }
        $Result.StdErr = ''
        if ($stderrTask.Wait(5000)) {
            $Result.StdErr = $stderrTask.Result
        }
        try {
            $process.Dispose()
        }
        catch {
            # Windows PowerShell's Process.Dispose flushes the stdin writer
            # into the stream closed above and can throw; nothing is lost.
            Write-Verbose ('Disposing the tempsweep process failed: {0}' -f $_.Exception.Message)
        }
    }
}

function Complete-TempSweepCall {
    # Applies tempsweep's exit code: 0 and 1 return (1 with warnings), every
    # other code becomes a terminating error. Sets $global:LASTEXITCODE so a
    # script can test it the same way as after a native call.
    param(
        [Parameter(Mandatory = $true)] [System.Management.Automation.PSCmdlet] $Caller,
        [Parameter(Mandatory = $true)] [string] $Subcommand,
        [Parameter(Mandatory = $true)] [hashtable] $Result
    )

    $code = $Result.ExitCode
    $global:LASTEXITCODE = $code
    $messages = @($Result.StdErr -split "`r?`n" | Where-Object { $_.Trim().Length -gt 0 })
    if ($code -eq 0) {
        foreach ($message in $messages) {
            Write-Verbose $message
        }
        return
    }
    if ($code -eq 1) {
        foreach ($message in $messages) {
            Write-Warning $message
        }
        if ($messages.Count -eq 0) {
            Write-Warning ('tempsweep {0} exited with code 1: at least one record was invalid, skipped or failed. Run with -Verbose for details.' -f $Subcommand)
        }
        return
    }

    $detail = ($messages -join [System.Environment]::NewLine).Trim()
    if ($detail.Length -eq 0) {
        $detail = 'no message on stderr'
    }
    if ($code -eq 2) {
        $exception = [System.ArgumentException]::new(('tempsweep {0}: usage error: {1}' -f $Subcommand, $detail))
        $record = New-TempSweepErrorRecord $exception 'TempSweep.UsageError' InvalidArgument $Subcommand
    }
    elseif ($code -eq 3) {
        $exception = [System.InvalidOperationException]::new(('tempsweep {0}: service gate closed, nothing was passed on or deleted: {1}' -f $Subcommand, $detail))
        $record = New-TempSweepErrorRecord $exception 'TempSweep.GateClosed' ResourceBusy $Subcommand
    }
    elseif ($code -eq 4) {
        $exception = [System.InvalidOperationException]::new(('tempsweep {0}: fatal error: {1}' -f $Subcommand, $detail))
        $record = New-TempSweepErrorRecord $exception 'TempSweep.Fatal' ResourceUnavailable $Subcommand
    }
    elseif ($code -eq 130) {
        $exception = [System.OperationCanceledException]::new(('tempsweep {0} was interrupted: {1}' -f $Subcommand, $detail))
        $record = New-TempSweepErrorRecord $exception 'TempSweep.Interrupted' OperationStopped $Subcommand
    }
    else {
        $exception = [System.InvalidOperationException]::new(('tempsweep {0} exited with code {1}: {2}' -f $Subcommand, $code, $detail))
        $record = New-TempSweepErrorRecord $exception 'TempSweep.UnexpectedExitCode' NotSpecified $Subcommand
    }
    $Caller.ThrowTerminatingError($record)
}

function Get-TempSweepCommonArgument {
    # Global flags for every call: NDJSON output, and -v when the caller asked
    # for verbose output, so that tempsweep's details reach Write-Verbose.
    param([Parameter(Mandatory = $true)] [System.Management.Automation.PSCmdlet] $Caller)

    # $VerbosePreference is read from the public function's scope, where
    # -Verbose sets it.
    $arguments = @('--output', 'ndjson')
    if ($VerbosePreference -ne 'SilentlyContinue' -and $VerbosePreference -ne 'Ignore') {
        $arguments += '-v'
    }
    return , $arguments
}

#endregion

#region Public functions

function Set-TempSweepExecutable {
    <#
    .SYNOPSIS
    Sets the tempsweep binary that the module runs.

    .DESCRIPTION
    Stores a path in the module's own scope. It takes precedence over
    $env:TEMPSWEEP_EXE, a tempsweep binary next to the module, and PATH, in
    that order. An empty path clears the setting. The setting lasts until
    the module is removed or imported again.

    .PARAMETER Path
    Path of tempsweep.exe (Windows) or tempsweep (Linux). Relative paths are
    resolved against the current location. An empty string clears the setting.

    .EXAMPLE
    Set-TempSweepExecutable -Path 'C:\Tools\tempsweep\tempsweep.exe'

    Uses that binary for every TempSweep function in this session.

    .EXAMPLE
    Set-TempSweepExecutable -Path ''

    Clears the setting, so $env:TEMPSWEEP_EXE, the module folder and PATH are searched again.
    #>
    [CmdletBinding()]
    [OutputType([void])]
    param(
        [Parameter(Mandatory = $true, Position = 0)]
        [AllowEmptyString()]
        [string] $Path
    )

    if ($Path.Length -eq 0) {
        $script:ExecutablePath = $null
        return
    }
    $fullPath = Resolve-TempSweepPath -Caller $PSCmdlet -Path $Path
    if (-not (Test-Path -LiteralPath $fullPath -PathType Leaf)) {
        $exception = [System.IO.FileNotFoundException]::new(('File not found: {0}' -f $fullPath), $fullPath)
        $PSCmdlet.ThrowTerminatingError((New-TempSweepErrorRecord $exception 'TempSweep.ExecutableNotFound' ObjectNotFound $fullPath))
    }
    $script:ExecutablePath = $fullPath
}

function Get-TempSweepExecutable {
    <#
    .SYNOPSIS
    Returns the path of the tempsweep binary that the module would run.

    .DESCRIPTION
    Searches, in order: the path set with Set-TempSweepExecutable,
    $env:TEMPSWEEP_EXE, tempsweep.exe (tempsweep on Linux) in the module's
    folder, and PATH. Throws a terminating error when none is found.

    .EXAMPLE
    Get-TempSweepExecutable

    C:\Program Files\WindowsPowerShell\Modules\TempSweep\tempsweep.exe
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param()

    Resolve-TempSweepExecutable -Caller $PSCmdlet
}

function ConvertTo-TempSweepRecord {
    <#
    .SYNOPSIS
    Converts files and PowerShell objects into tempsweep file records.

    .DESCRIPTION
    A FileInfo (from Get-ChildItem or Get-Item) becomes a record with type,
    path, name, ext, size, modTime, accessTime, birthTime, readOnly and
    hidden. Times are ISO 8601 UTC with 7 fraction digits, for example
    2024-05-01T08:30:00.1234567Z. Other objects keep their properties, with
    DateTime values written the same way. A string that starts with { is
    read as a JSON record; any other string is taken as a file path.

    .PARAMETER InputObject
    FileInfo, string, hashtable or object to convert.

    .EXAMPLE
    Get-ChildItem C:\Exchsrvr\Webtemp -Filter *.mmp | ConvertTo-TempSweepRecord

    .EXAMPLE
    Get-Item .\a.mmp | ConvertTo-TempSweepRecord | ConvertTo-Json -Compress

    {"type":"file","path":"C:\\Webtemp\\a.mmp","name":"a.mmp","ext":".mmp","size":3072,...}

    .INPUTS
    System.IO.FileInfo, System.String, System.Object

    .OUTPUTS
    System.Management.Automation.PSCustomObject
    #>
    [CmdletBinding()]
    [OutputType([pscustomobject])]
    param(
        [Parameter(Mandatory = $true, Position = 0, ValueFromPipeline = $true)]
        [object] $InputObject
    )

    process {
        $record = ConvertTo-TempSweepInputRecord -Caller $PSCmdlet -InputObject $InputObject
        if ($null -eq $record) {
            return
        }
        if ($record -is [string]) {
            ConvertFrom-Json -InputObject $record @JsonReadOptions
            return
        }
        [pscustomobject]$record
    }
}

function ConvertTo-TempSweepInputRecord {
    # Returns an ordered dictionary (or a JSON string for JSON text input) for
    # one pipeline object, or writes a non-terminating error and returns $null.
    param(
        [Parameter(Mandatory = $true)] [System.Management.Automation.PSCmdlet] $Caller,
        [Parameter(Mandatory = $true)] [AllowNull()] [object] $InputObject
    )

    if ($null -eq $InputObject) {
        return $null
    }
    if ($InputObject -is [System.IO.DirectoryInfo]) {
        $exception = [System.ArgumentException]::new(('{0} is a directory; tempsweep deletes files only.' -f $InputObject.FullName))
        $Caller.WriteError((New-TempSweepErrorRecord $exception 'TempSweep.NotAFile' InvalidArgument $InputObject))
        return $null
    }
    if ($InputObject -is [string]) {
        $text = $InputObject.Trim()
        if ($text.StartsWith('{')) {
            return $text
        }
        $fullPath = Resolve-TempSweepPath -Caller $Caller -Path $text
        $item = Get-Item -LiteralPath $fullPath -Force -ErrorAction SilentlyContinue
        if ($item -isnot [System.IO.FileInfo]) {
            $exception = [System.IO.FileNotFoundException]::new(('File not found: {0}' -f $fullPath), $fullPath)
            $Caller.WriteError((New-TempSweepErrorRecord $exception 'TempSweep.FileNotFound' ObjectNotFound $text))
            return $null
        }
        $InputObject = $item
    }
    return (ConvertTo-TempSweepDictionary -InputObject $InputObject)
}

function Get-TempSweepFile {
    <#
    .SYNOPSIS
    Lists the regular files in one or more directories (tempsweep list).

    .DESCRIPTION
    Runs tempsweep list and returns one file record per regular file, with
    path, root, name, ext, size, modTime, age (seconds), listedAt, host,
    fileId, readOnly, hidden and links. Symbolic links, junctions and mount
    points are never followed. Paths are resolved against the current
    PowerShell location before they are passed on.

    .PARAMETER Path
    Directories to list. Accepts pipeline input, including DirectoryInfo
    objects from Get-Item (by their FullName).

    .PARAMETER Include
    Wildcard patterns that file names must match, for example *.mmp (--match).

    .PARAMETER Exclude
    Wildcard patterns of file names to leave out (--exclude).

    .PARAMETER Recurse
    Lists subdirectories too (--recursive).

    .EXAMPLE
    Get-TempSweepFile -Path 'C:\Exchsrvr\Webtemp' -Include '*.mmp'

    .EXAMPLE
    Get-TempSweepFile D:\Temp -Recurse | Where-Object size -gt 1MB | Sort-Object age -Descending

    .INPUTS
    System.String, System.IO.DirectoryInfo

    .OUTPUTS
    TempSweep.FileRecord (PSCustomObject)
    #>
    [CmdletBinding()]
    [OutputType([pscustomobject])]
    param(
        [Parameter(Mandatory = $true, Position = 0, ValueFromPipeline = $true, ValueFromPipelineByPropertyName = $true)]
        [Alias('FullName', 'LiteralPath', 'PSPath')]
        [string[]] $Path,

        [Alias('Match')]
        [string[]] $Include,

        [string[]] $Exclude,

        [Alias('Recursive')]
        [switch] $Recurse
    )

    begin {
        $directories = New-Object System.Collections.Generic.List[string]
    }
    process {
        foreach ($item in $Path) {
            $directories.Add((Resolve-TempSweepPath -Caller $PSCmdlet -Path $item))
        }
    }
    end {
        $arguments = @('list') + (Get-TempSweepCommonArgument -Caller $PSCmdlet)
        foreach ($pattern in @($Include)) {
            if ($pattern) {
                $arguments += @('--match', $pattern)
            }
        }
        foreach ($pattern in @($Exclude)) {
            if ($pattern) {
                $arguments += @('--exclude', $pattern)
            }
        }
        if ($Recurse) {
            $arguments += '--recursive'
        }
        $arguments += '--'
        $arguments += $directories.ToArray()

        $result = @{}
        Invoke-TempSweepProcess -Caller $PSCmdlet -ArgumentList $arguments -InputLine $null -Result $result
        Complete-TempSweepCall -Caller $PSCmdlet -Subcommand 'list' -Result $result
    }
}

function Select-TempSweepRecord {
    <#
    .SYNOPSIS
    Runs a jq program on every record (tempsweep filter).

    .DESCRIPTION
    Sends the pipeline input to tempsweep filter and returns every result.
    The program is passed to tempsweep as one argument with its double quotes
    intact, in Windows PowerShell 5.1 too, so string literals such as
    older_than("7d") work here as written. tempsweep adds these helpers to
    jq: seconds("36h"), bytes("4KB"), older_than("7d"), newer_than("1h"),
    larger_than("4KB"), smaller_than("1MB") and from_psdate.

    Input may be tempsweep records, FileInfo objects (converted with
    ConvertTo-TempSweepRecord), other objects, or lines of JSON text.

    .PARAMETER Expression
    The jq program.

    .PARAMETER FilterPath
    A file that contains the jq program (-f).

    .PARAMETER Argument
    Variables bound as strings: @{ age = '7d' } is --arg age 7d and is used
    as $age in the program.

    .PARAMETER ArgumentJson
    Variables bound as JSON values: each value is converted with
    ConvertTo-Json, so @{ limit = 4096 } is --argjson limit 4096.

    .PARAMETER InputObject
    Records to filter. Accepts pipeline input.

    .EXAMPLE
    Get-TempSweepFile C:\Exchsrvr\Webtemp -Include *.mmp | Select-TempSweepRecord 'select(older_than("1d"))'

    .EXAMPLE
    Get-TempSweepFile D:\Temp | Select-TempSweepRecord 'select(.age > seconds($age) and .ext == $ext)' -Argument @{ age = '36h'; ext = '.tmp' }

    .EXAMPLE
    Get-TempSweepFile D:\Temp | Select-TempSweepRecord '{path, size}'

    Returns objects with only the path and size properties.

    .INPUTS
    System.Object

    .OUTPUTS
    System.Object
    #>
    [CmdletBinding(DefaultParameterSetName = 'Expression')]
    [OutputType([pscustomobject])]
    param(
        [Parameter(Mandatory = $true, Position = 0, ParameterSetName = 'Expression')]
        [string] $Expression,

        [Parameter(Mandatory = $true, ParameterSetName = 'File')]
        [string] $FilterPath,

        [hashtable] $Argument,

        [hashtable] $ArgumentJson,

        [Parameter(ValueFromPipeline = $true)]
        [AllowNull()]
        [object] $InputObject
    )

    begin {
        $lines = New-Object System.Collections.Generic.List[string]
    }
    process {
        if ($PSBoundParameters.ContainsKey('InputObject')) {
            $lines.Add((ConvertTo-TempSweepJsonLine -InputObject $InputObject))
        }
    }
    end {
        $arguments = @('filter') + (Get-TempSweepCommonArgument -Caller $PSCmdlet)
        if ($null -ne $Argument) {
            foreach ($name in $Argument.Keys) {
                $arguments += @('--arg', [string]$name, [string]$Argument[$name])
            }
        }
        if ($null -ne $ArgumentJson) {
            foreach ($name in $ArgumentJson.Keys) {
                $json = ConvertTo-Json -InputObject $ArgumentJson[$name] -Compress -Depth 10
                $arguments += @('--argjson', [string]$name, $json)
            }
        }
        if ($PSCmdlet.ParameterSetName -eq 'File') {
            $arguments += @('-f', (Resolve-TempSweepPath -Caller $PSCmdlet -Path $FilterPath))
        }
        else {
            $arguments += @('--', $Expression)
        }

        $result = @{}
        Invoke-TempSweepProcess -Caller $PSCmdlet -ArgumentList $arguments -InputLine $lines.ToArray() -Result $result
        Complete-TempSweepCall -Caller $PSCmdlet -Subcommand 'filter' -Result $result
    }
}

function Test-TempSweepService {
    <#
    .SYNOPSIS
    Reports service states, tests them, or gates a record stream on them (tempsweep check-services).

    .DESCRIPTION
    Works in three ways:

    Without -Require: returns one service record per name, with name,
    displayName, state and host. States are stopped, start-pending,
    stop-pending, running, continue-pending, pause-pending, paused and
    not-found.

    With -Require and pipeline input: a gate. When every named service is in
    the required state, the input records are passed on unchanged.
    Otherwise nothing is passed on and a terminating error with the ID
    TempSweep.GateClosed names the services and their states. The gate
    checks once, before it passes anything on; Remove-TempSweepFile
    -RequireStopped keeps checking while files are removed.

    With -Require and no pipeline input: returns $true when every named
    service is in the required state and $false otherwise. A service that
    does not exist counts as not in the state unless -MissingOk is given.

    On Windows the Service Control Manager is asked with query rights only;
    on Linux, systemd.

    .PARAMETER Name
    Service names, for example W3SVC, WLBS.

    .PARAMETER ComputerName
    Asks the Service Control Manager of this computer (--computer).

    .PARAMETER Require
    The state that every service must be in (--require).

    .PARAMETER MissingOk
    Lets a service that does not exist pass (--missing-ok). Without it a
    mistyped name keeps the gate closed.

    .PARAMETER InputObject
    Records to pass through the gate. Accepts pipeline input.

    .EXAMPLE
    Test-TempSweepService -Name W3SVC, WLBS

    Returns the state of both services.

    .EXAMPLE
    if (Test-TempSweepService -Name W3SVC, WLBS -Require stopped) { 'safe to clean' }

    .EXAMPLE
    Get-TempSweepFile C:\Exchsrvr\Webtemp -Include *.mmp |
        Test-TempSweepService -Name W3SVC, WLBS -Require stopped |
        Remove-TempSweepFile -Root C:\Exchsrvr\Webtemp -Confirm:$false

    Deletes nothing, and stops with an error, while either service is not stopped.

    .INPUTS
    System.Object

    .OUTPUTS
    TempSweep.ServiceRecord, System.Boolean, or the input records
    #>
    [CmdletBinding()]
    [OutputType([pscustomobject], [bool])]
    param(
        [Parameter(Mandatory = $true, Position = 0)]
        [string[]] $Name,

        [Alias('Computer')]
        [string] $ComputerName,

        [ValidateSet('stopped', 'start-pending', 'stop-pending', 'running', 'continue-pending', 'pause-pending', 'paused', 'not-found')]
        [string] $Require,

        [switch] $MissingOk,

        [Parameter(ValueFromPipeline = $true)]
        [AllowNull()]
        [object] $InputObject
    )

    begin {
        $lines = New-Object System.Collections.Generic.List[string]
        # A gate in a pipeline whose upstream produced nothing must still act
        # as a gate, not return $true or $false, so the mode follows whether
        # input is expected rather than whether any arrived.
        $gate = $PSBoundParameters.ContainsKey('Require') -and ($MyInvocation.ExpectingInput -or $PSBoundParameters.ContainsKey('InputObject'))
    }
    process {
        if ($gate) {
            $lines.Add((ConvertTo-TempSweepJsonLine -InputObject $InputObject))
        }
    }
    end {
        $arguments = @('check-services') + (Get-TempSweepCommonArgument -Caller $PSCmdlet)
        if ($ComputerName) {
            $arguments += @('--computer', $ComputerName)
        }
        if ($MissingOk) {
            $arguments += '--missing-ok'
        }

        if ($gate) {
            $arguments += @('--require', $Require, '--') + $Name
            $result = @{}
            Invoke-TempSweepProcess -Caller $PSCmdlet -ArgumentList $arguments -InputLine $lines.ToArray() -Result $result
            Complete-TempSweepCall -Caller $PSCmdlet -Subcommand 'check-services' -Result $result
            return
        }

        $arguments += @('--') + $Name
        $result = @{}
        $services = @(Invoke-TempSweepProcess -Caller $PSCmdlet -ArgumentList $arguments -InputLine $null -Result $result)
        Complete-TempSweepCall -Caller $PSCmdlet -Subcommand 'check-services' -Result $result
        if (-not $PSBoundParameters.ContainsKey('Require')) {
            $services
            return
        }

        $inState = $true
        foreach ($service in $services) {
            $state = Get-TempSweepProperty $service 'state'
            if ($state -eq $Require) {
                continue
            }
            if ($state -eq 'not-found' -and $MissingOk) {
                continue
            }
            Write-Verbose ('Service {0} on {1} is {2}, not {3}.' -f (Get-TempSweepProperty $service 'name'), (Get-TempSweepProperty $service 'host'), $state, $Require)
            $inState = $false
        }
        if ($services.Count -lt $Name.Count) {
            Write-Verbose ('tempsweep reported {0} of {1} services.' -f $services.Count, $Name.Count)
            $inState = $false
        }
        $inState
    }
}

function Remove-TempSweepFile {
    <#
    .SYNOPSIS
    Deletes the files that records name, when it is safe (tempsweep delete).

    .DESCRIPTION
    Takes tempsweep file records, FileInfo objects from Get-ChildItem,
    objects with FullName, Length and LastWriteTimeUtc, or path strings.
    Asks for confirmation per file (ConfirmImpact is High, so PowerShell asks
    by default; pass -Confirm:$false in scheduled jobs) and then sends only
    the confirmed records to tempsweep delete.

    tempsweep deletes a file only when its path lies inside a -Root, no
    component below the root is a link, junction or mount point, the file
    still has the size, modTime (and fileId, when the record has one) that
    the record states, no process has it open, and every -RequireStopped
    service is stopped.

    Each record is returned with action (deleted, would-delete, skipped,
    failed, scheduled) and, where the file was not deleted, reason and
    error. A failed record is also written as a non-terminating error.

    -WhatIf prints a "What if" line per file, then runs tempsweep delete
    --dry-run on all of them and returns its records, so you see which files
    would be deleted and why the others would be skipped.

    .PARAMETER InputObject
    Records, FileInfo objects or paths. Accepts pipeline input.

    .PARAMETER Root
    Directories that files may be deleted from (--root). Required.

    .PARAMETER Force
    Deletes read-only files too (--force). It does not skip confirmation;
    use -Confirm:$false for that.

    .PARAMETER OnLocked
    skip (default) leaves a locked file; reboot schedules it for deletion at
    the next restart (Windows).

    .PARAMETER RequireStopped
    Services that must stay stopped while files are removed
    (--require-stopped). Checked before the first deletion and again during
    the run.

    .PARAMETER ComputerName
    Computer whose Service Control Manager is asked for -RequireStopped
    (--computer), for example when the files are reached over \\server\c$.

    .PARAMETER LogPath
    Appends every output record to this file as NDJSON (--log).

    .EXAMPLE
    Get-ChildItem C:\Exchsrvr\Webtemp -Filter *.mmp | Remove-TempSweepFile -Root C:\Exchsrvr\Webtemp -WhatIf

    .EXAMPLE
    Get-TempSweepFile C:\Exchsrvr\Webtemp -Include *.mmp |
        Select-TempSweepRecord 'select(older_than("1d"))' |
        Remove-TempSweepFile -Root C:\Exchsrvr\Webtemp -RequireStopped W3SVC, WLBS -LogPath C:\Logs\webtemp.ndjson -Confirm:$false

    .EXAMPLE
    $report = Get-TempSweepFile D:\Temp | Remove-TempSweepFile -Root D:\Temp -Confirm:$false
    $report | Group-Object action -NoElement

    .INPUTS
    TempSweep.FileRecord, System.IO.FileInfo, System.String, System.Object

    .OUTPUTS
    TempSweep.FileRecord (PSCustomObject) with action, reason and error
    #>
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'High')]
    [OutputType([pscustomobject])]
    param(
        [Parameter(Mandatory = $true, ValueFromPipeline = $true)]
        [AllowNull()]
        [object] $InputObject,

        [Parameter(Mandatory = $true)]
        [string[]] $Root,

        [switch] $Force,

        [ValidateSet('skip', 'reboot')]
        [string] $OnLocked = 'skip',

        [string[]] $RequireStopped,

        [Alias('Computer')]
        [string] $ComputerName,

        [string] $LogPath
    )

    begin {
        $lines = New-Object System.Collections.Generic.List[string]
        $dryRun = [bool]$WhatIfPreference
    }
    process {
        $record = ConvertTo-TempSweepInputRecord -Caller $PSCmdlet -InputObject $InputObject
        if ($null -eq $record) {
            return
        }
        $line = $record
        $target = $null
        if ($record -is [string]) {
            $target = Get-TempSweepRecordPath -Record (ConvertFrom-Json -InputObject $record)
        }
        else {
            $target = Get-TempSweepRecordPath -Record $record
            $line = ConvertTo-Json -InputObject $record -Compress -Depth 10
        }
        if ($null -eq $target) {
            $exception = [System.ArgumentException]::new('The record has neither a path nor a FullName property.')
            $PSCmdlet.WriteError((New-TempSweepErrorRecord $exception 'TempSweep.InvalidRecord' InvalidArgument $InputObject))
            return
        }
        # Under -WhatIf, ShouldProcess prints the "What if" line and returns
        # $false; the record still goes to the dry run.
        if ($PSCmdlet.ShouldProcess($target, 'Delete file')) {
            $lines.Add($line)
        }
        elseif ($dryRun) {
            $lines.Add($line)
        }
    }
    end {
        if ($lines.Count -eq 0) {
            Write-Verbose 'No records to send to tempsweep delete.'
            return
        }
        $arguments = @('delete') + (Get-TempSweepCommonArgument -Caller $PSCmdlet)
        foreach ($directory in $Root) {
            $arguments += @('--root', (Resolve-TempSweepPath -Caller $PSCmdlet -Path $directory))
        }
        if ($dryRun) {
            $arguments += '--dry-run'
        }
        if ($Force) {
            $arguments += '--force'
        }
        $arguments += @('--on-locked', $OnLocked)
        foreach ($service in @($RequireStopped)) {
            if ($service) {
                $arguments += @('--require-stopped', $service)
            }
        }
        if ($ComputerName) {
            $arguments += @('--computer', $ComputerName)
        }
        if ($LogPath) {
            $arguments += @('--log', (Resolve-TempSweepPath -Caller $PSCmdlet -Path $LogPath))
        }

        $result = @{}
        Invoke-TempSweepProcess -Caller $PSCmdlet -ArgumentList $arguments -InputLine $lines.ToArray() -Result $result |
            ForEach-Object {
                $_
                if ((Get-TempSweepProperty $_ 'action') -eq 'failed') {
                    $message = 'Cannot delete {0}: {1}' -f (Get-TempSweepProperty $_ 'path'), (Get-TempSweepProperty $_ 'error')
                    $exception = [System.IO.IOException]::new($message)
                    $errorId = 'TempSweep.DeleteFailed.{0}' -f (Get-TempSweepProperty $_ 'reason')
                    $PSCmdlet.WriteError((New-TempSweepErrorRecord $exception $errorId WriteError $_))
                }
            }
        Complete-TempSweepCall -Caller $PSCmdlet -Subcommand 'delete' -Result $result
    }
}

#endregion

Export-ModuleMember -Function @(
    'Get-TempSweepFile',
    'Select-TempSweepRecord',
    'Test-TempSweepService',
    'Remove-TempSweepFile',
    'ConvertTo-TempSweepRecord',
    'Set-TempSweepExecutable',
    'Get-TempSweepExecutable'
)
