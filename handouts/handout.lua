--[[ handout.lua: the pandoc Lua filter that turns handouts/NN-slug.md into a
handout page. scripts/handouts runs it; scripts/test-handouts checks what it
does.

Usage: pandoc --lua-filter handouts/handout.lua handouts/NN-slug.md ...
with these environment variables (scripts/handouts sets them):
  HANDOUT_MODE       student (answers removed), instructor (answers shown),
                     answers (the document becomes its answers only: for tests)
  HANDOUT_LAB        the lab's folder name (01-file-mapping); default: the
                     input file's name without .md
  HANDOUT_EXPECTED   the expected/ folder (absolute)
  HANDOUT_SRC        the handouts/ folder (absolute): other images are relative
                     to it
  HANDOUT_PLOTS      the plots folder, $LAB_BUILD/plots (absolute)
  HANDOUT_LABS       a file of "slug<TAB>title<TAB>lab folder exists (0|1)"
                     lines, for the index's table of labs
  HANDOUT_REPORT     link to the reproduction report, relative to the page
  PAGE               the page size in bytes (getconf PAGESIZE)

What it does:
  * <!-- expected: NAME --> becomes the graded run expected/LAB/NAME.out: its
    comment lines as the explanation, the "$ command", the expected stdout and
    the exit status. {{EXPR}} placeholders are shown as <EXPR> with a note
    giving this machine's value; {{*}} and {{#}} as <any text> and <number>.
  * ::: answer ... ::: divs are removed (student) or shown as answers
    (instructor).
  * Images under plots/ (or build/plots/) come from HANDOUT_PLOTS. If the plots
    are not built yet, a visible note takes the image's place; if they are
    built and the image is missing, that is a warning and a visible error.
  * Links to NN-slug.md become links to NN-slug.html.
  * The first level-1 heading becomes the title when there is no title.
  * <!-- labs --> (in index.md) becomes the table of labs.
Problems are reported on stderr as "[WARNING] handout: ..." lines:
scripts/handouts fails when pandoc writes anything on stderr.
]]

local mode = os.getenv('HANDOUT_MODE') or 'student'
local expected_dir = os.getenv('HANDOUT_EXPECTED') or 'expected'
local src_dir = os.getenv('HANDOUT_SRC') or 'handouts'
local plots_dir = os.getenv('HANDOUT_PLOTS') or 'build/plots'
local labs_file = os.getenv('HANDOUT_LABS')
local report_link = os.getenv('HANDOUT_REPORT') or '../report/report.html'
local page = tonumber(os.getenv('PAGE') or '')

local input = (PANDOC_STATE.input_files or {})[1] or 'stdin'
local lab = os.getenv('HANDOUT_LAB')
-- Hidden graded runs ("LAB/NAME ..."): not shown in the student edition.
local hidden = {}
for item in (os.getenv('HANDOUT_HIDDEN') or ''):gmatch('%S+') do hidden[item] = true end
if lab == nil or lab == '' then
  lab = input:match('([^/]+)%.md$') or input
end

local function warn(msg)
  io.stderr:write('[WARNING] handout: ' .. input .. ': ' .. msg .. '\n')
end

local function exists(path)
  local f = io.open(path, 'r')
  if f == nil then return false end
  f:close()
  return true
end

local function is_dir(path)
  -- io.open on a directory succeeds, reading it fails
  local f = io.open(path, 'r')
  if f == nil then return false end
  local ok, _, code = f:read(1)
  f:close()
  return ok == nil and code == 21  -- EISDIR
end

local function read_lines(path)
  local lines = {}
  for line in io.lines(path) do lines[#lines + 1] = line end
  return lines
end

-- A visible error box, so that nothing broken ever silently vanishes.
local function error_block(text)
  return pandoc.Div({pandoc.Para({pandoc.Strong({pandoc.Str('Missing:')}),
                                  pandoc.Space(), pandoc.Str(text)})},
                    pandoc.Attr('', {'missing'}))
end

---------------------------------------------------------------------------
-- {{EXPR}} placeholders of expected files (format: expected/README.md)

-- Evaluate an integer expression of PAGE like the runner does (bash $((..))).
local function evaluate(expr)
  if page == nil or not expr:match('^[-0-9PAGE+*/%%() ]+$') then return nil end
  local lua_expr = expr:gsub('PAGE', tostring(page)):gsub('/', '//')
  local chunk = load('return ' .. lua_expr, 'expr', 't', {})
  if chunk == nil then return nil end
  local ok, value = pcall(chunk)
  if not ok or type(value) ~= 'number' then return nil end
  return math.tointeger(value) or value
end

-- Replace placeholders in one line; remember what was used in `seen`.
local function render_placeholders(line, seen)
  return (line:gsub('{{([^}]*)}}', function(expr)
    if expr == '*' then seen.any = true; return '‹any text›' end
    if expr == '#' then seen.number = true; return '‹number›' end
    if not expr:match('^[-0-9PAGE+*/%%() ]+$') then
      warn('bad placeholder {{' .. expr .. '}}')
      return '‹?' .. expr .. '›'
    end
    if expr ~= 'PAGE' and not seen[expr] then
      seen[expr] = true
      seen.exprs[#seen.exprs + 1] = expr
    end
    seen.page = true
    return '‹' .. expr .. '›'
  end))
end

local function placeholder_note(seen)
  local parts = {}
  if seen.page then
    local text = '‹PAGE› is the page size in bytes'
    if page then
      text = text .. ': ' .. page .. ' on the machine that built this page'
      local values = {}
      for _, e in ipairs(seen.exprs) do
        local v = evaluate(e)
        values[#values + 1] = e .. ' = ' .. (v and tostring(v) or '?')
      end
      if #values > 0 then text = text .. ', so ' .. table.concat(values, ', ') end
    end
    parts[#parts + 1] = text .. '.'
  end
  if seen.any then
    parts[#parts + 1] = '‹any text› stands for text that varies from run to run.'
  end
  if seen.number then
    parts[#parts + 1] = '‹number› stands for a number that varies from run to run.'
  end
  if #parts == 0 then return nil end
  return pandoc.Div({pandoc.Para({pandoc.Str(table.concat(parts, ' '))})},
                    pandoc.Attr('', {'run-note'}))
end

local function status_text(line)
  local n = line:match('^%[exit (%d+)%]$')
  if n then
    return 'Exit status ' .. n .. (n == '0' and ' (success).' or '.')
  end
  local sig = line:match('^%[signal (SIG%w+)%]$')
  if sig then return 'The program is killed by ' .. sig .. '.' end
  if line == '[timeout]' then return 'The run times out.' end
  return nil
end

local runs_shown = 0

-- The graded run expected/LAB/NAME.out as a block.
local function expected_block(name)
  local rel = 'expected/' .. lab .. '/' .. name .. '.out'
  local path = expected_dir .. '/' .. lab .. '/' .. name .. '.out'
  if hidden[lab .. '/' .. name] and mode ~= 'instructor' then
    return pandoc.Para({pandoc.Emph({pandoc.Str('A hidden graded run: its command and output are shown after grading.')})})
  end
  if not exists(path) then
    warn('<!-- expected: ' .. name .. ' -->: ' .. rel .. ' does not exist')
    return error_block('the graded run ' .. rel .. ' does not exist.')
  end
  local lines = read_lines(path)
  local comments, paragraph, command, output = {}, {}, nil, {}
  for _, line in ipairs(lines) do
    if command == nil then
      if line:match('^%$ ') then
        command = line:sub(3)
      elseif line:match('^# *timeout:') or line:match('^# *hint:') then
        -- the runner's time limit: not part of the explanation
      elseif line:match('^#') then
        local text = line:gsub('^# ?', '')
        if text:match('^%s*$') then
          if #paragraph > 0 then comments[#comments + 1] = table.concat(paragraph, '\n') end
          paragraph = {}
        else
          paragraph[#paragraph + 1] = text
        end
      end
    else
      output[#output + 1] = line
    end
  end
  if #paragraph > 0 then comments[#comments + 1] = table.concat(paragraph, '\n') end
  if command == nil then
    warn(rel .. ' has no "$ command" line')
    return error_block(rel .. ' has no "$ command" line.')
  end

  local status = nil
  if #output > 0 then
    status = status_text(output[#output])
    if status then table.remove(output) end
  end
  if status == nil then warn(rel .. ' does not end with an exit status line') end

  local seen = {exprs = {}}
  local out_text = {}
  for _, line in ipairs(output) do out_text[#out_text + 1] = render_placeholders(line, seen) end

  local blocks = {}
  blocks[#blocks + 1] = pandoc.Para({pandoc.Strong({pandoc.Str('Graded run')}),
    pandoc.Space(), pandoc.Code(name), pandoc.Space(),
    pandoc.Str('(' .. rel .. ')')})
  for _, c in ipairs(comments) do
    for _, b in ipairs(pandoc.read(c, 'markdown').blocks) do blocks[#blocks + 1] = b end
  end
  -- Classes go on a Div around each CodeBlock: a CodeBlock with a class
  -- makes pandoc load its syntax highlighter, which costs 0.3 s a page.
  blocks[#blocks + 1] = pandoc.Div({pandoc.CodeBlock('$ ' .. render_placeholders(command, seen))},
                                   pandoc.Attr('', {'command'}))
  if #out_text > 0 then
    blocks[#blocks + 1] = pandoc.Div({pandoc.CodeBlock(table.concat(out_text, '\n'))},
                                     pandoc.Attr('', {'output'}))
  else
    blocks[#blocks + 1] = pandoc.Para({pandoc.Emph({pandoc.Str('(no output on stdout)')})})
  end
  if status then
    blocks[#blocks + 1] = pandoc.Div({pandoc.Para({pandoc.Str(status)})},
                                     pandoc.Attr('', {'run-status'}))
  end
  local note = placeholder_note(seen)
  if note then blocks[#blocks + 1] = note end
  runs_shown = runs_shown + 1
  if runs_shown == 1 then
    blocks[#blocks + 1] = pandoc.Div(pandoc.read(
      'To run it yourself: `make`, then in an empty directory with `build/bin` on ' ..
      'your `PATH` and `LAB_DIR` set to `labs/' .. lab .. '` (see [how to work ' ..
      'through a lab](index.html#how-to-work-through-a-lab)). `make check LAB=' ..
      (lab:match('^(%d+)') or lab) .. '` runs it and compares.',
      'markdown').blocks, pandoc.Attr('', {'run-note'}))
  end
  return pandoc.Div(blocks, pandoc.Attr('', {'run'}))
end

---------------------------------------------------------------------------
-- The index's table of labs

local function labs_table()
  if labs_file == nil or not exists(labs_file) then
    warn('<!-- labs -->: no list of labs (HANDOUT_LABS)')
    return error_block('the list of labs was not given to the build.')
  end
  local md = {'| Handout | Lab folder |', '|---|---|'}
  for line in io.lines(labs_file) do
    local slug, title, has_lab = line:match('^([^\t]*)\t([^\t]*)\t([^\t]*)$')
    if slug then
      local folder = '`labs/' .. slug .. '/`'
      local link = '[' .. title:gsub('([%[%]|\\])', '\\%1') .. '](' .. slug .. '.html)'
      if has_lab == 'missing' then link = slug .. ': *no handout yet*' end
      if has_lab == '0' then folder = '*not written yet*' end
      md[#md + 1] = '| ' .. link .. ' | ' .. folder .. ' |'
    end
  end
  return pandoc.read(table.concat(md, '\n'), 'markdown').blocks
end

---------------------------------------------------------------------------
-- Filters

local function comment_of(block)
  if block.t == 'RawBlock' and block.format:match('html') then
    return block.text:match('^%s*<!%-%-%s*(.-)%s*%-%->%s*$')
  end
  if block.t == 'Para' or block.t == 'Plain' then
    local c = block.content
    if #c == 1 and c[1].t == 'RawInline' and c[1].format:match('html') then
      return c[1].text:match('^%s*<!%-%-%s*(.-)%s*%-%->%s*$')
    end
  end
  return nil
end

-- <!-- prints -->: the section "What your program prints": every graded run
-- of the lab, in name order (hidden ones only named in the student edition).
local function prints_section()
  local blocks = {
    pandoc.Header(2, {pandoc.Str('What your program prints')}),
    pandoc.Para(pandoc.read('The graded runs below are the specification: each compares '
      .. 'your programs\' standard output with these lines exactly, and their exit '
      .. 'status. Values that depend on the page size are shown for this machine. '
      .. 'Standard error is not compared, but a usage or error message must be one '
      .. 'line that starts with the program\'s name and names the object.').blocks[1].content),
  }
  local dir = expected_dir .. '/' .. lab
  local pipe = io.popen('ls -1 "' .. dir .. '" 2>/dev/null')
  local names = {}
  if pipe then
    for f in pipe:lines() do
      local n = f:match('^(.*)%.out$')
      if n then names[#names + 1] = n end
    end
    pipe:close()
  end
  table.sort(names)
  if #names == 0 then warn('<!-- prints -->: no graded run in ' .. dir) end
  for _, n in ipairs(names) do
    local b = expected_block(n)
    if type(b) == 'table' and b.t == nil then
      for _, x in ipairs(b) do blocks[#blocks + 1] = x end
    else
      blocks[#blocks + 1] = b
    end
  end
  return blocks
end

local function expand_block(block)
  local comment = comment_of(block)
  if comment == nil then return nil end
  local name = comment:match('^expected:%s*(%S+)$')
  if name then return expected_block(name) end
  if comment:match('^expected') then
    warn('malformed include <!-- ' .. comment .. ' --> (write <!-- expected: NAME -->)')
    return error_block('malformed include <!-- ' .. comment .. ' -->')
  end
  if comment == 'labs' then return labs_table() end
  if comment == 'prints' then return prints_section() end
  return nil
end

local answers = 0

local function answer_div(div)
  if not div.classes:includes('answer') then return nil end
  answers = answers + 1
  if mode == 'instructor' or mode == 'answers' then
    local blocks = {pandoc.Para({pandoc.Strong({pandoc.Str('Answer.')})})}
    for _, b in ipairs(div.content) do blocks[#blocks + 1] = b end
    return pandoc.Div(blocks, pandoc.Attr('', {'answer'}))
  end
  return {}  -- student build: the answer is gone
end

local function plot_path(src)
  return src:match('^plots/(.+)$') or src:match('^build/plots/(.+)$') or
         src:match('^%.%./build/plots/(.+)$')
end

local function image(img)
  local src = img.src
  if src:match('^%a+://') then
    warn('image ' .. src .. ' is on the network: the handout must read offline')
    return nil
  end
  if src:match('^data:') then return nil end
  local plot = plot_path(src)
  if plot then
    local candidates = {plots_dir .. '/' .. plot}
    local stem = plot:match('^(.*)%.png$') or plot:match('^(.*)%.svg$')
    if stem then
      candidates[#candidates + 1] = plots_dir .. '/' .. stem .. '.svg'
      candidates[#candidates + 1] = plots_dir .. '/' .. stem .. '.png'
    end
    for _, c in ipairs(candidates) do
      if exists(c) then img.src = c; return img end
    end
    if not is_dir(plots_dir) then
      return pandoc.Span(pandoc.read('*Plot `' .. plot .. '` is not built on this ' ..
        'machine yet: run `make bench plots`, then `make handouts` again.*',
        'markdown').blocks[1].content, pandoc.Attr('', {'missing-plot'}))
    end
    warn('image ' .. src .. ': ' .. plots_dir .. '/' .. plot .. ' does not exist ' ..
         '(the plots are built, but not this one)')
    return pandoc.Span({pandoc.Strong({pandoc.Str('Missing plot:')}), pandoc.Space(),
                        pandoc.Code(plot)}, pandoc.Attr('', {'missing'}))
  end
  local path = src:match('^/') and src or (src_dir .. '/' .. src)
  if not exists(path) then
    warn('image ' .. src .. ' does not exist')
    return pandoc.Span({pandoc.Strong({pandoc.Str('Missing image:')}), pandoc.Space(),
                        pandoc.Code(src)}, pandoc.Attr('', {'missing'}))
  end
  img.src = path
  return img
end

local function link(l)
  local target, anchor = l.target:match('^(%d%d%-[%w%-]+)%.md(#?.*)$')
  if target then l.target = target .. '.html' .. anchor; return l end
  if l.target == 'index.md' then l.target = 'index.html'; return l end
  if l.target == 'REPORT' then l.target = report_link; return l end
  return nil
end

function Pandoc(doc)
  -- Title: the first level-1 heading when the metadata has none.
  local blocks = doc.blocks
  if doc.meta.title == nil then
    for i, b in ipairs(blocks) do
      if b.t == 'Header' and b.level == 1 then
        doc.meta.title = pandoc.MetaInlines(b.content)
        table.remove(blocks, i)
        break
      end
    end
    if doc.meta.title == nil then
      warn('no title: start the handout with "# Lab NN: ..."')
      doc.meta.title = pandoc.MetaInlines({pandoc.Str(lab)})
    end
  end

  -- Includes first (an included run may hold answers? no: only prose does).
  local out = {}
  for _, b in ipairs(blocks) do
    local r = expand_block(b)
    if r == nil then
      out[#out + 1] = b
    elseif r.t then
      out[#out + 1] = r
    else
      for _, x in ipairs(r) do out[#out + 1] = x end
    end
  end
  doc.blocks = out

  doc = doc:walk({Div = answer_div, Image = image, Link = link})

  if mode == 'answers' then
    -- Only the answers' text, one after the other (scripts/test-handouts).
    local only = {}
    doc:walk({Div = function(d)
      if d.classes:includes('answer') then
        for i, b in ipairs(d.content) do
          if i > 1 then only[#only + 1] = b end
        end
      end
    end})
    doc.blocks = only
  end
  doc.meta['handout-mode'] = mode
  if mode == 'instructor' then
    doc.meta.subtitle = pandoc.MetaInlines({pandoc.Str('Instructor'), pandoc.Space(),
                                            pandoc.Str('edition:'), pandoc.Space(),
                                            pandoc.Str('with'), pandoc.Space(),
                                            pandoc.Str('answers')})
  end
  return doc
end
