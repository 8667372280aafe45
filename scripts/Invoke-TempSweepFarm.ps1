#Requires -Version 5.1
<#
.SYNOPSIS
Runs tempsweep on many servers and returns their records, tagged by host.

.DESCRIPTION
Lists the files matching -Include in -Path on every server, keeps those older
than -OlderThan, and with -Delete removes them. Returns the records of all
servers; each record's host property is the server name as given in
-ComputerName (from PSComputerName in Remoting mode).

Two modes:

Remoting (default): Invoke-Command -ComputerName runs tempsweep.exe on each
server, up to -ThrottleLimit servers at a time. tempsweep.exe must be
installed on every server at -RemoteExecutablePath. Services named in
-RequireStopped are checked on the server itself, before and during the
deletion (delete --require-stopped).

Unc: for servers that cannot run tempsweep (builds of current Go need
Windows 10 or Server 2016 or later), tempsweep runs on this machine and
reaches each server's files through the administrative share
\\SERVER\C$\... (the drive letter of -Path). -RequireStopped services are
asked from the server's Service Control Manager (--computer). Servers are
processed one after another.

Errors are reported per server and do not stop the others: an unreachable
server becomes a non-terminating error, and a server whose tempsweep exits
with a code other than 0 gets a warning with that code and its messages.

.PARAMETER ComputerName
Servers to clean.

.PARAMETER Path
Folder on each server, as a local path (C:\Exchsrvr\Webtemp).

.PARAMETER Include
File name patterns. Default *.mmp.

.PARAMETER OlderThan
Minimum age, as a tempsweep duration (12h, 1d, 2w). Default 1d.

.PARAMETER Delete
Deletes the files. Without it the run only lists them. With -WhatIf,
delete runs with --dry-run.

.PARAMETER RequireStopped
Services that must be stopped on each server for files to be deleted.

.PARAMETER Mode
Remoting or Unc.

.PARAMETER ThrottleLimit
Servers handled at the same time in Remoting mode. Default 16.

.PARAMETER Credential
Credential for Invoke-Command (Remoting mode).

.PARAMETER RemoteExecutablePath
tempsweep.exe on the servers. Default C:\Program Files\tempsweep\tempsweep.exe.

.PARAMETER LogPath
With -Delete: delete --log file on each server (Remoting) or on this machine (Unc).

.EXAMPLE
.\Invoke-TempSweepFarm.ps1 -ComputerName (Get-Content .\owa-servers.txt) -Path C:\Exchsrvr\Webtemp |
    Group-Object host | Select-Object Name, Count

Counts the old *.mmp files per server.

.EXAMPLE
.\Invoke-TempSweepFarm.ps1 -ComputerName OWA1, OWA2 -Path C:\Exchsrvr\Webtemp -Delete -RequireStopped W3SVC, WLBS -WhatIf

.EXAMPLE
.\Invoke-TempSweepFarm.ps1 -ComputerName OLDOWA1 -Path 'D:\Program Files\Exchsrvr\Webtemp' -Mode Unc -Delete -RequireStopped W3SVC

Uses \\OLDOWA1\D$\Program Files\Exchsrvr\Webtemp from this machine.
#>
[CmdletBinding(SupportsShouldProcess = $true, ConfirmImpact = 'Medium')]
param(
    [Parameter(Mandatory = $true, Position = 0)]
    [string[]] $ComputerName,

    [Parameter(Mandatory = $true)]
    [ValidatePattern('^[A-Za-z]:\\')]
    [string] $Path,

    [string[]] $Include = @('*.mmp'),

    [ValidatePattern('^(\d+[smhdw])+$')]
    [string] $OlderThan = '1d',

    [switch] $Delete,

    [string[]] $RequireStopped = @(),

    [ValidateSet('Remoting', 'Unc')]
    [string] $Mode = 'Remoting',

    [ValidateRange(1, 1024)]
    [int] $ThrottleLimit = 16,

    [System.Management.Automation.PSCredential] $Credential,

    [string] $RemoteExecutablePath = 'C:\Program Files\tempsweep\tempsweep.exe',

    [string] $LogPath
)

Set-StrictMode -Version 2.0

$filterProgram = 'select(older_than($age))'
$dryRun = [bool]$WhatIfPreference

function Set-RecordHost {
    # Sets host to the server name the caller used, so records group by it.
    param(
        [Parameter(Mandatory = $true)] [object] $Record,
        [Parameter(Mandatory = $true)] [string] $HostName
    )
    $Record | Add-Member -NotePropertyName host -NotePropertyValue $HostName -Force
    $Record
}

# Runs on each server. It uses the native tempsweep.exe and no module, and
# returns JSON lines (strings) followed by one status object. Native output
# is ASCII JSON (tempsweep escapes non-ASCII when stdout is not a console),
# so PowerShell's code page conversions between the stages cannot change it.
$remoteScript = {
    param($Executable, $Folder, $Patterns, $Age, $Program, $DoDelete, $DryRun, $Services, $Log)

    $status = [ordered]@{ tempsweepStatus = $true; stage = 'list'; exitCode = 0; messages = @() }
    if (-not (Test-Path -LiteralPath $Executable -PathType Leaf)) {
        $status.exitCode = -1
        $status.messages = @("tempsweep not found at $Executable")
        return [pscustomobject]$status
    }

    $listArguments = @('list')
    foreach ($pattern in $Patterns) {
        $listArguments += @('--match', $pattern)
    }
    $listArguments += @('--', $Folder)
    # 2>&1 keeps tempsweep's stderr lines as ErrorRecords among the output, so
    # they can be sent back as messages instead of remote errors.
    $output = @(& $Executable @listArguments 2>&1)
    $status.exitCode = $LASTEXITCODE
    $listed = @($output | Where-Object { $_ -is [string] })
    $status.messages += @($output | Where-Object { $_ -isnot [string] } | ForEach-Object { $_.ToString() })
    if ($status.exitCode -ge 2) {
        return [pscustomobject]$status
    }

    $status.stage = 'filter'
    $output = @($listed | & $Executable filter --arg age $Age -- $Program 2>&1)
    $status.exitCode = $LASTEXITCODE
    $selected = @($output | Where-Object { $_ -is [string] })
    $status.messages += @($output | Where-Object { $_ -isnot [string] } | ForEach-Object { $_.ToString() })
    if ($status.exitCode -ge 2 -or -not $DoDelete) {
        $selected
        return [pscustomobject]$status
    }

    $status.stage = 'delete'
    $deleteArguments = @('delete', '--root', $Folder)
    if ($DryRun) {
        $deleteArguments += '--dry-run'
    }
    foreach ($service in $Services) {
        $deleteArguments += @('--require-stopped', $service)
    }
    if ($Log) {
        $deleteArguments += @('--log', $Log)
    }
    if ($selected.Count -eq 0) {
        return [pscustomobject]$status
    }
    $output = @($selected | & $Executable @deleteArguments 2>&1)
    $status.exitCode = $LASTEXITCODE
    $output | Where-Object { $_ -is [string] }
    $status.messages += @($output | Where-Object { $_ -isnot [string] } | ForEach-Object { $_.ToString() })
    [pscustomobject]$status
}

function Invoke-RemotingMode {
    $parameters = @{
        ComputerName  = $ComputerName
        ThrottleLimit = $ThrottleLimit
        ScriptBlock   = $remoteScript
        ArgumentList  = @($RemoteExecutablePath, $Path, $Include, $OlderThan, $filterProgram, [bool]$Delete, $dryRun, $RequireStopped, $LogPath)
        ErrorAction   = 'Continue'
    }
    if ($null -ne $Credential) {
        $parameters['Credential'] = $Credential
    }
    $target = 'list {0} on {1} servers' -f $Path, $ComputerName.Count
    if ($Delete) {
        $target = 'delete files older than {0} in {1} on {2} servers' -f $OlderThan, $Path, $ComputerName.Count
    }
    # ShouldProcess is asked once for the whole run; under -WhatIf the run
    # still goes ahead, with delete --dry-run.
    if (-not $PSCmdlet.ShouldProcess($target, 'Run tempsweep') -and -not $dryRun) {
        return
    }

    Invoke-Command @parameters | ForEach-Object {
        $server = $_.PSComputerName
        if ($_ -is [string]) {
            if ($_.Trim().Length -gt 0) {
                Set-RecordHost -Record (ConvertFrom-Json -InputObject $_) -HostName $server
            }
            return
        }
        if ($null -ne $_.PSObject.Properties['tempsweepStatus']) {
            Write-ServerStatus -Server $server -Status $_
        }
    }
}

function Write-ServerStatus {
    param(
        [Parameter(Mandatory = $true)] [string] $Server,
        [Parameter(Mandatory = $true)] [object] $Status
    )
    $detail = (@($Status.messages) -join ' | ')
    if ($Status.exitCode -eq 0) {
        Write-Verbose ('{0}: tempsweep {1} finished. {2}' -f $Server, $Status.stage, $detail)
        return
    }
    Write-Warning ('{0}: tempsweep {1} exited with code {2}. {3}' -f $Server, $Status.stage, $Status.exitCode, $detail)
}

function Invoke-UncMode {
    Import-Module -Name (Join-Path -Path $PSScriptRoot -ChildPath 'TempSweep.psd1')
    $drive = $Path.Substring(0, 1)
    $rest = $Path.Substring(2).TrimStart('\')
    foreach ($server in $ComputerName) {
        $share = '\\{0}\{1}$\{2}' -f $server, $drive, $rest
        try {
            $records = Get-TempSweepFile -Path $share -Include $Include -ErrorAction Stop |
                Select-TempSweepRecord -Expression $filterProgram -Argument @{ age = $OlderThan } -ErrorAction Stop
            if ($Delete) {
                $removeParameters = @{
                    Root        = $share
                    WhatIf      = $dryRun
                    Confirm     = $false
                    ErrorAction = 'Continue'
                }
                if ($RequireStopped.Count -gt 0) {
                    $removeParameters['RequireStopped'] = $RequireStopped
                    $removeParameters['ComputerName'] = $server
                }
                if ($LogPath) {
                    $removeParameters['LogPath'] = $LogPath
                }
                $records = $records | Remove-TempSweepFile @removeParameters
            }
            foreach ($record in @($records)) {
                if ($null -ne $record) {
                    Set-RecordHost -Record $record -HostName $server
                }
            }
        }
        catch {
            Write-Error -Message ('{0}: {1}' -f $server, $_.Exception.Message) -Category $_.CategoryInfo.Category -TargetObject $server -ErrorAction Continue
        }
    }
}

if ($Mode -eq 'Unc') {
    Invoke-UncMode
}
else {
    Invoke-RemotingMode
}
