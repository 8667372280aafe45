// Package pipeline implements tempsweep's stages: listing files, filtering
// records with jq, asking the service manager, and deleting files safely.
package pipeline

// FileRecord is the record that list writes for one regular file and that
// delete reads back. Times are RFC 3339 in UTC; a time the platform does not
// report is left empty and omitted from the JSON.
type FileRecord struct {
	Type string `json:"type"`
	Path string `json:"path"`
	// PathBytes is set only when the name is not valid UTF-8: the exact
	// bytes of the path, which delete uses instead of Path.
	PathBytes  []byte `json:"pathBytes,omitempty"`
	Root       string `json:"root"`
	Name       string `json:"name"`
	Ext        string `json:"ext"`
	Size       int64  `json:"size"`
	ModTime    string `json:"modTime"`
	AccessTime string `json:"accessTime,omitempty"`
	ChangeTime string `json:"changeTime,omitempty"`
	BirthTime  string `json:"birthTime,omitempty"`
	// Age is the number of whole seconds from ModTime to ListedAt.
	Age      int64  `json:"age"`
	ListedAt string `json:"listedAt"`
	Host     string `json:"host"`
	// FileID identifies the file on its volume: "device:inode" in decimal
	// on Unix, "volumeSerial:fileIndex" in hexadecimal on Windows.
	FileID   string `json:"fileId"`
	ReadOnly bool   `json:"readOnly"`
	Hidden   bool   `json:"hidden"`
	Links    uint64 `json:"links"`
}

// Action is the step that delete took for a record.
type Action string

// The actions that delete reports.
const (
	ActionDeleted     Action = "deleted"
	ActionWouldDelete Action = "would-delete"
	ActionSkipped     Action = "skipped"
	ActionFailed      Action = "failed"
	ActionScheduled   Action = "scheduled"
)

// Reason is a stable code for why delete did not delete a file.
type Reason string

// The reasons that delete reports.
const (
	ReasonOutsideRoot    Reason = "outside-root"
	ReasonChanged        Reason = "changed"
	ReasonNotFound       Reason = "not-found"
	ReasonNotRegular     Reason = "not-regular"
	ReasonLinkInPath     Reason = "link-in-path"
	ReasonOpen           Reason = "open"
	ReasonLocked         Reason = "locked"
	ReasonReadOnly       Reason = "read-only"
	ReasonDenied         Reason = "denied"
	ReasonNeedsAdmin     Reason = "needs-admin"
	ReasonServiceRunning Reason = "service-running"
	ReasonInvalidRecord  Reason = "invalid-record"
	ReasonError          Reason = "error"
)
