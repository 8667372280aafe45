#Requires -Version 5.1
<#
.SYNOPSIS
Removes orphaned Outlook Web Access profile files (*.mmp) from Exchsrvr\Webtemp.

.DESCRIPTION
The OWA cleanup job, end to end:

 1. Records which of the services (default W3SVC and WLBS) are running.
 2. Stops them, in reverse order of -ServiceName, and waits until they are
    stopped. With -CheckOnly it stops nothing and instead ends with exit
    code 3 when any of them is not stopped.
 3. Lists *.mmp files in the Webtemp folder, keeps those older than
    -OlderThan, and deletes them with tempsweep delete --require-stopped,
    so deletion stops if a service starts again during the run. Locked files
    are skipped (or scheduled for deletion at restart with -OnLocked reboot).
 4. Starts again, in the order of -ServiceName, the services that were
    running before (all of them with -StartService). This happens even when
    an earlier step failed.
 5. Writes each step to a text log, every delete record to an NDJSON log,
    and a summary to the Application event log under the source tempsweep.
    The event source is created when the account may do so (administrators);
    otherwise the script warns once and logs to the files only.

-WhatIf stops no service and deletes nothing: tempsweep delete runs with
--dry-run and returns would-delete or skipped for every file.

Exit codes follow tempsweep: 0 done; 1 some files were skipped or failed;
2 invalid parameters; 3 a service was not stopped (nothing deleted); 4 a
fatal error (folder unreadable, a service could not be stopped or started).

.PARAMETER Path
The Webtemp folder. Default: the first of "$env:ProgramFiles\Exchsrvr\Webtemp"
and C:\Exchsrvr\Webtemp that exists.

.PARAMETER OlderThan
Minimum age of a file to delete, as a tempsweep duration: 30m, 12h, 1d,
1d12h, 2w. Default 1d.

.PARAMETER Include
File name patterns. Default *.mmp.

.PARAMETER ServiceName
Services that must be stopped while files are deleted. Default W3SVC, WLBS.

.PARAMETER MissingOk
Lets a service in -ServiceName that does not exist on this server (for
example WLBS without Network Load Balancing) be ignored. Without it a
missing service ends the run with exit code 3, so that a mistyped name never
lets deletion go ahead.

.PARAMETER CheckOnly
Stops no service; only checks that all are stopped, and deletes nothing
unless they are.

.PARAMETER StartService
Starts every service in -ServiceName afterwards, also those that were not
running before. Use it at boot when the services are set to Manual and this
script starts them after the cleanup.

.PARAMETER ServiceTimeoutSeconds
How long to wait for each service to stop or start. Default 120.

.PARAMETER OnLocked
skip (default) or reboot: schedule locked files for deletion at the next restart.

.PARAMETER LogPath
Text log of the run. Default "$env:ProgramData\tempsweep\Invoke-WebtempCleanup.log".

.PARAMETER RecordLogPath
NDJSON log of every delete record (tempsweep delete --log). Default
"$env:ProgramData\tempsweep\webtemp-delete.ndjson".

.PARAMETER EventSource
Application event log source. Default tempsweep.

.PARAMETER ExecutablePath
tempsweep.exe to use. Default: the module's search order ($env:TEMPSWEEP_EXE,
next to the module, PATH).

.EXAMPLE
.\Invoke-WebtempCleanup.ps1 -WhatIf

Shows what would be deleted; stops no service.

.EXAMPLE
.\Invoke-WebtempCleanup.ps1 -OlderThan 2d -Verbose

.EXAMPLE
.\Invoke-WebtempCleanup.ps1 -CheckOnly -MissingOk

For a maintenance window in which the services are already stopped: deletes
only if W3SVC (and WLBS, where installed) are stopped.

.EXAMPLE
powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -File C:\Tools\tempsweep\Invoke-WebtempCleanup.ps1 -StartService

What the scheduled task from Register-TempSweepTask.ps1 -AtStartup -ManualStart runs.
#>
[CmdletBinding(SupportsShouldProcess = $true, ConfirmImpact = 'Medium')]
param(
    [string] $Path,

    [ValidatePattern('^(\d+[smhdw])+$')]
    [string] $OlderThan = '1d',

    [string[]] $Include = @('*.mmp'),

    [string[]] $ServiceName = @('W3SVC', 'WLBS'),

    [switch] $MissingOk,

    [switch] $CheckOnly,

    [switch] $StartService,

    [ValidateRange(1, 3600)]
    [int] $ServiceTimeoutSeconds = 120,

    [ValidateSet('skip', 'reboot')]
    [string] $OnLocked = 'skip',

    [string] $LogPath = (Join-Path -Path $env:ProgramData -ChildPath 'tempsweep\Invoke-WebtempCleanup.log'),

    [string] $RecordLogPath = (Join-Path -Path $env:ProgramData -ChildPath 'tempsweep\webtemp-delete.ndjson'),

    [string] $EventSource = 'tempsweep',

    [string] $ExecutablePath
)

Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'

# Exit codes, the same as tempsweep's.
$ExitDone = 0
$ExitPartial = 1
$ExitUsage = 2
$ExitGateClosed = 3
$ExitFatal = 4

# Event IDs in the Application log.
$EventIdSummary = 1000
$EventIdGateClosed = 1003
$EventIdFatal = 1004

$script:EventLogReady = $false

function Write-CleanupLog {
    # Appends a timestamped line to the text log and shows it with -Verbose.
    param(
        [Parameter(Mandatory = $true)] [string] $Message,
        [ValidateSet('INFO', 'WARN', 'ERROR')] [string] $Level = 'INFO'
    )
    $line = '{0} {1} {2}' -f (Get-Date).ToString('yyyy-MM-ddTHH:mm:sszzz'), $Level, $Message
    Write-Verbose $line
    if ($Level -eq 'WARN') {
        Write-Warning $Message
    }
    try {
        [System.IO.File]::AppendAllText($LogPath, $line + [System.Environment]::NewLine, (New-Object System.Text.UTF8Encoding $false))
    }
    catch {
        Write-Warning ('Cannot write to the log file {0}: {1}' -f $LogPath, $_.Exception.Message)
    }
}

function Initialize-CleanupEventLog {
    # Creates the event source when it is missing. Checking for a source reads
    # every event log, including Security, so it fails for non-administrators;
    # then only the file log is written.
    try {
        if (-not [System.Diagnostics.EventLog]::SourceExists($EventSource)) {
            [System.Diagnostics.EventLog]::CreateEventSource($EventSource, 'Application')
            Write-CleanupLog ('Created the event source {0} in the Application log.' -f $EventSource)
        }
        $script:EventLogReady = $true
    }
    catch {
        Write-CleanupLog -Level WARN ('Cannot use the event source {0} ({1}); logging to {2} only. Run once as administrator to create it.' -f $EventSource, $_.Exception.Message, $LogPath)
    }
}

function Write-CleanupEvent {
    param(
        [Parameter(Mandatory = $true)] [string] $Message,
        [Parameter(Mandatory = $true)] [int] $EventId,
        [System.Diagnostics.EventLogEntryType] $EntryType = [System.Diagnostics.EventLogEntryType]::Information
    )
    if (-not $script:EventLogReady) {
        return
    }
    try {
        [System.Diagnostics.EventLog]::WriteEntry($EventSource, $Message, $EntryType, $EventId)
    }
    catch {
        Write-CleanupLog -Level WARN ('Cannot write to the Application event log: {0}' -f $_.Exception.Message)
    }
}

function Resolve-WebtempPath {
    if ($Path) {
        return $Path
    }
    $candidates = @(
        (Join-Path -Path $env:ProgramFiles -ChildPath 'Exchsrvr\Webtemp'),
        'C:\Exchsrvr\Webtemp'
    )
    foreach ($candidate in $candidates) {
        if (Test-Path -LiteralPath $candidate -PathType Container) {
            return $candidate
        }
    }
    return $null
}

function Get-CleanupService {
    # Returns the ServiceController for each existing name, in the order of
    # -ServiceName, and the names that do not exist.
    $found = New-Object System.Collections.Generic.List[object]
    $missing = New-Object System.Collections.Generic.List[string]
    foreach ($name in $ServiceName) {
        $service = Get-Service -Name $name -ErrorAction SilentlyContinue
        if ($null -eq $service) {
            $missing.Add($name)
        }
        else {
            $found.Add($service)
        }
    }
    return @{ Found = $found.ToArray(); Missing = $missing.ToArray() }
}

function Stop-CleanupService {
    param([Parameter(Mandatory = $true)] [object[]] $Service)

    $stopOrder = @($Service)
    [array]::Reverse($stopOrder)
    foreach ($item in $stopOrder) {
        $item.Refresh()
        if ($item.Status -eq [System.ServiceProcess.ServiceControllerStatus]::Stopped) {
            continue
        }
        if (-not $PSCmdlet.ShouldProcess($item.Name, 'Stop service')) {
            continue
        }
        Write-CleanupLog ('Stopping {0} ({1}).' -f $item.Name, $item.DisplayName)
        # No -Force: it would also stop dependent services, which this script
        # would not start again.
        $item.Stop()
        $item.WaitForStatus([System.ServiceProcess.ServiceControllerStatus]::Stopped, [TimeSpan]::FromSeconds($ServiceTimeoutSeconds))
    }
}

function Start-CleanupService {
    # Starts the given services in order and returns the names that failed.
    param([Parameter(Mandatory = $true)] [AllowEmptyCollection()] [object[]] $Service)

    $failed = New-Object System.Collections.Generic.List[string]
    foreach ($item in $Service) {
        if (-not $PSCmdlet.ShouldProcess($item.Name, 'Start service')) {
            continue
        }
        try {
            $item.Refresh()
            if ($item.Status -ne [System.ServiceProcess.ServiceControllerStatus]::Running) {
                Write-CleanupLog ('Starting {0}.' -f $item.Name)
                $item.Start()
                $item.WaitForStatus([System.ServiceProcess.ServiceControllerStatus]::Running, [TimeSpan]::FromSeconds($ServiceTimeoutSeconds))
            }
        }
        catch {
            Write-CleanupLog -Level ERROR ('Cannot start {0}: {1}' -f $item.Name, $_.Exception.Message)
            $failed.Add($item.Name)
        }
    }
    return , $failed.ToArray()
}

function Get-ActionSummary {
    param([Parameter(Mandatory = $true)] [AllowEmptyCollection()] [object[]] $Record)

    $counts = [ordered]@{ deleted = 0; 'would-delete' = 0; scheduled = 0; skipped = 0; failed = 0 }
    foreach ($item in $Record) {
        $property = $item.PSObject.Properties['action']
        if ($null -ne $property -and $counts.Contains([string]$property.Value)) {
            $counts[[string]$property.Value]++
        }
    }
    return $counts
}

# --- Preparation -----------------------------------------------------------

$logFolder = Split-Path -Path $LogPath -Parent
if ($logFolder -and -not (Test-Path -LiteralPath $logFolder)) {
    New-Item -ItemType Directory -Path $logFolder -Force -WhatIf:$false | Out-Null
}
$recordLogFolder = Split-Path -Path $RecordLogPath -Parent
if ($recordLogFolder -and -not (Test-Path -LiteralPath $recordLogFolder)) {
    New-Item -ItemType Directory -Path $recordLogFolder -Force -WhatIf:$false | Out-Null
}
Initialize-CleanupEventLog

Import-Module -Name (Join-Path -Path $PSScriptRoot -ChildPath 'TempSweep.psd1') -Force
if ($ExecutablePath) {
    Set-TempSweepExecutable -Path $ExecutablePath
}

$webtemp = Resolve-WebtempPath
if ($null -eq $webtemp -or -not (Test-Path -LiteralPath $webtemp -PathType Container)) {
    $message = 'Webtemp folder not found: {0}. Pass -Path with the folder that contains the *.mmp files.' -f $webtemp
    if ($null -eq $webtemp) {
        $message = 'No Webtemp folder found under {0}\Exchsrvr or C:\Exchsrvr. Pass -Path with the folder that contains the *.mmp files.' -f $env:ProgramFiles
    }
    Write-CleanupLog -Level ERROR $message
    Write-CleanupEvent -Message $message -EventId $EventIdFatal -EntryType Error
    Write-Error -Message $message -Category ObjectNotFound -ErrorAction Continue
    exit $ExitUsage
}

Write-CleanupLog ('Run started: folder {0}, files {1} older than {2}, services {3}, CheckOnly={4}, WhatIf={5}.' -f $webtemp, ($Include -join ','), $OlderThan, ($ServiceName -join ','), [bool]$CheckOnly, [bool]$WhatIfPreference)

$services = Get-CleanupService
if ($services.Missing.Count -gt 0) {
    $message = 'Service not found: {0}.' -f ($services.Missing -join ', ')
    if (-not $MissingOk) {
        $message += ' Nothing was stopped or deleted. Pass -MissingOk if this server does not have it.'
        Write-CleanupLog -Level ERROR $message
        Write-CleanupEvent -Message $message -EventId $EventIdGateClosed -EntryType Error
        Write-Error -Message $message -Category ObjectNotFound -ErrorAction Continue
        exit $ExitGateClosed
    }
    Write-CleanupLog -Level WARN ($message + ' Ignored because of -MissingOk.')
}
$present = @($services.Found)
$presentNames = @($present | ForEach-Object { $_.Name })
$wasRunning = @($present | Where-Object { $_.Status -ne [System.ServiceProcess.ServiceControllerStatus]::Stopped })

# --- Cleanup ---------------------------------------------------------------

$exitCode = $ExitDone
$records = @()
try {
    if ($CheckOnly) {
        $running = @($present | ForEach-Object { $_.Refresh(); $_ } | Where-Object { $_.Status -ne [System.ServiceProcess.ServiceControllerStatus]::Stopped })
        if ($running.Count -gt 0) {
            $states = ($running | ForEach-Object { '{0} is {1}' -f $_.Name, $_.Status }) -join ', '
            $message = 'Not all services are stopped ({0}); nothing was deleted. Run without -CheckOnly to stop them for the cleanup.' -f $states
            Write-CleanupLog -Level WARN $message
            Write-CleanupEvent -Message $message -EventId $EventIdGateClosed -EntryType Warning
            $exitCode = $ExitGateClosed
        }
    }
    elseif ($present.Count -gt 0) {
        Stop-CleanupService -Service $present
    }

    if ($exitCode -eq $ExitDone) {
        $removeParameters = @{
            Root        = $webtemp
            OnLocked    = $OnLocked
            LogPath     = $RecordLogPath
            WhatIf      = [bool]$WhatIfPreference
            Confirm     = $false
            ErrorAction = 'Continue'
        }
        # Under -WhatIf no service was stopped, so requiring them stopped would
        # only turn every would-delete into service-running.
        if ($presentNames.Count -gt 0 -and -not $WhatIfPreference) {
            $removeParameters['RequireStopped'] = $presentNames
        }
        if ($PSBoundParameters.ContainsKey('Confirm')) {
            $removeParameters['Confirm'] = [bool]$PSBoundParameters['Confirm']
        }
        $records = @(
            Get-TempSweepFile -Path $webtemp -Include $Include |
                Select-TempSweepRecord -Expression 'select(older_than($age))' -Argument @{ age = $OlderThan } |
                Remove-TempSweepFile @removeParameters
        )
        if ($global:LASTEXITCODE -eq $ExitPartial) {
            $exitCode = $ExitPartial
        }
    }
}
catch {
    $errorId = $_.FullyQualifiedErrorId
    $message = 'Cleanup stopped: {0}' -f $_.Exception.Message
    if ($errorId -like 'TempSweep.GateClosed*') {
        $exitCode = $ExitGateClosed
        Write-CleanupLog -Level WARN $message
        Write-CleanupEvent -Message $message -EventId $EventIdGateClosed -EntryType Warning
    }
    elseif ($errorId -like 'TempSweep.UsageError*') {
        $exitCode = $ExitUsage
        Write-CleanupLog -Level ERROR $message
        Write-CleanupEvent -Message $message -EventId $EventIdFatal -EntryType Error
    }
    else {
        $exitCode = $ExitFatal
        Write-CleanupLog -Level ERROR $message
        Write-CleanupEvent -Message $message -EventId $EventIdFatal -EntryType Error
    }
}
finally {
    # Services come back even when the cleanup failed; a web server left
    # stopped is worse than files left behind.
    $toStart = $wasRunning
    if ($StartService) {
        $toStart = $present
    }
    if (-not $CheckOnly -and $toStart.Count -gt 0) {
        $notStarted = Start-CleanupService -Service $toStart
        if ($notStarted.Count -gt 0) {
            $message = 'Services not started again: {0}. Start them by hand.' -f ($notStarted -join ', ')
            Write-CleanupEvent -Message $message -EventId $EventIdFatal -EntryType Error
            Write-Error -Message $message -Category ResourceUnavailable -ErrorAction Continue
            $exitCode = $ExitFatal
        }
    }
}

# --- Summary ---------------------------------------------------------------

$counts = Get-ActionSummary -Record $records
$summary = 'Webtemp cleanup of {0} finished with exit code {1}: {2} deleted, {3} would be deleted, {4} scheduled for restart, {5} skipped, {6} failed. Records: {7}' -f $webtemp, $exitCode, $counts['deleted'], $counts['would-delete'], $counts['scheduled'], $counts['skipped'], $counts['failed'], $RecordLogPath
Write-CleanupLog $summary
$entryType = [System.Diagnostics.EventLogEntryType]::Information
if ($exitCode -ne $ExitDone) {
    $entryType = [System.Diagnostics.EventLogEntryType]::Warning
}
Write-CleanupEvent -Message $summary -EventId $EventIdSummary -EntryType $entryType

$records
exit $exitCode
