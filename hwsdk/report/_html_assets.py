"""The inline CSS and script of the HTML report (kept apart from the Python that builds it)."""

CSS = """
*{box-sizing:border-box}
body{margin:0;font:13px/1.4 system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;
color:#222;background:#f6f7f9;height:100vh;display:flex;flex-direction:column}
header{padding:10px 16px;background:#fff;border-bottom:1px solid #ddd}
h1{font-size:17px;margin:0 0 4px}
.facts{color:#444;margin-bottom:6px}
.covbar{display:flex;height:14px;border-radius:7px;overflow:hidden;border:1px solid #ccc;
margin:4px 0 8px;max-width:900px}
.covbar span{display:block;height:100%}
#legend{display:flex;flex-wrap:wrap;gap:6px 18px;margin-bottom:6px}
.legend-item{cursor:pointer;user-select:none}
.legend-item i{display:inline-block;width:14px;height:14px;border-radius:3px;margin:0 5px -2px 3px;
border:1px solid rgba(0,0,0,.25)}
.tools input[type=search]{width:340px;padding:4px 8px;border:1px solid #bbb;border-radius:4px}
.tools button{min-width:30px;margin-left:2px;padding:2px 8px}
main{flex:1;display:flex;min-height:0}
#canvas{flex:1;overflow:auto;background:#fbfbfc}
#dag{transform-origin:0 0}
#panel{width:520px;max-width:45vw;overflow:auto;border-left:1px solid #ddd;background:#fff;
padding:10px 14px}
.hint{color:#666}
.block{cursor:pointer}
.block rect{stroke:rgba(0,0,0,.35);stroke-width:1}
.block.torch rect{stroke-dasharray:5 3;stroke:#555}
.block.failed rect{stroke:#c00;stroke-width:2.5;stroke-dasharray:6 3}
.block .t1,.block .t2{fill:#fff;font-size:12px;pointer-events:none}
.block.torch .t1,.block.torch .t2{fill:#1b1b1b}
.block .t1{font-weight:600}
.block:hover rect{stroke:#000;stroke-width:2}
.block.selected rect{stroke:#000;stroke-width:3.5}
.block.match rect{stroke:#ffbf00;stroke-width:4}
.dim{opacity:.15}
.io rect{fill:#fff;stroke:#777;stroke-width:1.2}
.io text{fill:#333;font-size:12px;text-anchor:middle}
.io .t1{font-weight:600}
.edge path{fill:none;stroke:#8a8a8a;stroke-width:1.3}
.edge.crossing path{stroke:#333;stroke-width:2}
.edge text{font-size:10px;fill:#444;paint-order:stroke;stroke:#fbfbfc;stroke-width:3px}
table.nodes{border-collapse:collapse;width:100%;font-size:12px}
table.nodes td,table.nodes th{border-bottom:1px solid #eee;padding:2px 4px;text-align:left;
vertical-align:top}
table.nodes tr.hit{background:#fff3c4}
.code{font:11px ui-monospace,Menlo,Consolas,monospace;padding:0 3px;border-radius:3px;
background:#eee}
.code.ok{background:#dff3df}
details{margin:4px 0}
summary{cursor:pointer;font-weight:600}
.reason{color:#555}
.results a,a[data-clear]{cursor:pointer;color:#0645ad;text-decoration:underline}
tr.pick{cursor:pointer}
tr.pick:hover{background:#eef3ff}
.minibar{display:flex;height:10px;width:140px;border:1px solid #ccc;border-radius:3px;
overflow:hidden}
.minibar span{display:block;height:100%}
"""

JS = r"""
(function(){
'use strict';
var status=function(s){document.body.setAttribute('data-status',s);};
window.addEventListener('error',function(e){status('error: '+e.message);});
var DATA=JSON.parse(document.getElementById('plan-data').textContent);
var byId={};DATA.regions.forEach(function(r){byId[r.id]=r;});
var panel=document.getElementById('panel');
var svg=document.getElementById('dag');
var blocks=Array.prototype.slice.call(document.querySelectorAll('g.block'));
var esc=function(s){return String(s==null?'':s).replace(/[&<>"']/g,function(c){
 return {'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;',"'":'&#39;'}[c];});};
function tensorList(label,rows){
 if(!rows.length)return '';
 return '<p><b>'+label+'</b><br>'+rows.map(function(t){return esc(t[0])+' <span class="code">'+
  esc(t[1])+'</span> '+esc(t[2]);}).join('<br>')+'</p>';}
function nodeRow(n,hit){
 var ok=n[4]==='SUPPORTED';
 return '<tr'+(hit?' class="hit"':'')+' id="node-'+esc(n[0])+'" title="'+esc(n[5])+'"><td>'+
  esc(n[1])+'</td><td>'+esc(n[3]||'-')+'</td><td><span class="code'+(ok?' ok':'')+'">'+
  esc(n[4])+'</span> <span class="reason">'+esc(n[5])+'</span></td></tr>';}
function showRegion(id,query){
 var r=byId[id];if(!r)return;
 blocks.forEach(function(b){b.classList.toggle('selected',b.getAttribute('data-region')===id);});
 var groups={},order=[];
 r.nodes.forEach(function(n){var m=n[2]||'(no module)';
  if(!groups[m]){groups[m]=[];order.push(m);}groups[m].push(n);});
 var html='<h2>'+esc(r.id)+' · '+esc(r.target)+' <small>('+esc(r.status)+')</small></h2>'+
  (r.reason?'<p class="reason">'+esc(r.reason)+'</p>':'')+
  '<p>'+r.nodes.length+' nodes; runs on <b>'+esc(r.runs_on)+'</b></p>'+
  tensorList('inputs crossing in',r.inputs)+tensorList('outputs crossing out',r.outputs);
 var keys=Object.keys(r.details);
 if(keys.length)html+='<p>'+keys.map(function(k){return esc(k)+'='+esc(r.details[k]);})
  .join(', ')+'</p>';
 var open=r.nodes.length<=40||order.length===1;
 order.forEach(function(m){
  var rows=groups[m],hits=rows.filter(function(n){return matches(n,query);}).length;
  html+='<details'+(open||hits?' open':'')+'><summary>'+esc(m)+' ('+rows.length+')</summary>'+
   '<table class="nodes"><tr><th>op</th><th>source</th><th>why here</th></tr>'+
   rows.map(function(n){return nodeRow(n,query&&matches(n,query));}).join('')+
   '</table></details>';});
 panel.innerHTML=html;
 var first=panel.querySelector('tr.hit');if(first)first.scrollIntoView({block:'center'});}
function matches(n,q){
 if(!q)return false;
 for(var i=0;i<n.length;i++){if(String(n[i]||'').toLowerCase().indexOf(q)>=0)return true;}
 return false;}
blocks.forEach(function(b){b.addEventListener('click',function(){
 showRegion(b.getAttribute('data-region'),currentQuery());});});
var search=document.getElementById('search');
function currentQuery(){return search.value.trim().toLowerCase();}
search.addEventListener('input',function(){
 var q=currentQuery(),total=0,results=[];
 blocks.forEach(function(b){
  var r=byId[b.getAttribute('data-region')];
  var hits=q?r.nodes.filter(function(n){return matches(n,q);}):[];
  total+=hits.length;
  hits.slice(0,50).forEach(function(n){if(results.length<200)results.push([r.id,n]);});
  b.classList.toggle('match',hits.length>0);
  b.classList.toggle('dim',q!==''&&hits.length===0);});
 document.getElementById('search-count').textContent=q?total+' matching nodes':'';
 if(!q){overview();return;}
 panel.innerHTML='<h2>'+total+' nodes match “'+esc(q)+'”</h2><div class="results">'+
  results.map(function(x){return '<div><a data-region="'+esc(x[0])+'">'+esc(x[0])+'</a> '+
  esc(x[1][1])+' <span class="reason">'+esc(x[1][2])+' '+esc(x[1][3])+'</span></div>';})
  .join('')+'</div>';
 Array.prototype.forEach.call(panel.querySelectorAll('a[data-region]'),function(a){
  a.addEventListener('click',function(){showRegion(a.getAttribute('data-region'),q);
  var blk=document.querySelector('g.block[data-region="'+a.getAttribute('data-region')+'"]');
  if(blk&&blk.scrollIntoView)blk.scrollIntoView({block:'center'});});});});
Array.prototype.forEach.call(document.querySelectorAll('#legend input'),function(box){
 box.addEventListener('change',function(){
  var t=box.getAttribute('data-target');
  blocks.forEach(function(b){if(b.getAttribute('data-target')===t)
   b.classList.toggle('dim',!box.checked);});});});
var scale=1;
function zoom(s){scale=Math.max(0.1,Math.min(3,s));
 svg.style.transform='scale('+scale+')';
 svg.parentNode.style.minHeight='';}
document.getElementById('zoom-in').addEventListener('click',function(){zoom(scale*1.25);});
document.getElementById('zoom-out').addEventListener('click',function(){zoom(scale/1.25);});
document.getElementById('zoom-fit').addEventListener('click',function(){
 var c=document.getElementById('canvas');
 zoom(Math.min(c.clientWidth/svg.width.baseVal.value,c.clientHeight/svg.height.baseVal.value));});
function groupOf(m){
 if(!m)return '(top level)';
 var parts=m.split('.'),out=[];
 for(var i=0;i<parts.length;i++){out.push(parts[i]);if(/^\d+$/.test(parts[i]))break;}
 return out.length===parts.length&&parts.length>1&&!/^\d+$/.test(parts[parts.length-1])?
  parts[0]:out.join('.');}
function highlight(pred,label){
 var first=null,total=0;
 blocks.forEach(function(b){
  var r=byId[b.getAttribute('data-region')],hits=r.nodes.filter(pred).length;
  total+=hits;b.classList.toggle('match',hits>0);b.classList.toggle('dim',hits===0);
  if(hits&&!first)first=b;});
 document.getElementById('search-count').textContent=total+' nodes: '+label;
 if(first&&first.scrollIntoView)first.scrollIntoView({block:'center'});}
function overview(){
 var hist={},groups={},order=[];
 DATA.regions.forEach(function(r){r.nodes.forEach(function(n){
  if(n[6]==='torch'){var k=n[1]+' ['+n[4]+']';hist[k]=hist[k]||{n:0,op:n[1],code:n[4],why:n[5]};
   hist[k].n++;}
  var g=groupOf(n[2]);if(!groups[g]){groups[g]={};order.push(g);}
  groups[g][n[6]]=(groups[g][n[6]]||0)+1;});});
 var rows=Object.keys(hist).map(function(k){return hist[k];})
  .sort(function(a,b){return b.n-a.n||(a.op<b.op?-1:1);});
 var html='<h2>Overview</h2><p class="hint">Click a block for its nodes. Click a row below to '+
  'highlight where it happens; <a data-clear="1">clear</a>.</p>';
 if(rows.length){html+='<details open><summary>Runs in PyTorch ('+rows.length+
  ' kinds)</summary><table class="nodes"><tr><th>nodes</th><th>op</th><th>why</th></tr>'+
  rows.map(function(h,i){return '<tr class="pick" data-hist="'+i+'"><td>'+h.n+'</td><td>'+
  esc(h.op)+'</td><td><span class="code">'+esc(h.code)+'</span> <span class="reason">'+
  esc(h.why)+'</span></td></tr>';}).join('')+'</table></details>';}
 html+='<details open><summary>By module ('+order.length+')</summary><table class="nodes">'+
  '<tr><th>module</th><th>nodes</th><th>placement</th></tr>'+order.map(function(g,i){
  var c=groups[g],sum=0,bar='';Object.keys(c).forEach(function(t){sum+=c[t];});
  Object.keys(c).sort().forEach(function(t){bar+='<span style="width:'+(100*c[t]/sum)+
   '%;background:'+(COLORS[t]||'#444')+'" title="'+esc(t)+' '+c[t]+'"></span>';});
  return '<tr class="pick" data-group="'+i+'"><td>'+esc(g)+'</td><td>'+sum+
   '</td><td><div class="minibar">'+bar+'</div></td></tr>';}).join('')+'</table></details>';
 panel.innerHTML=html;
 Array.prototype.forEach.call(panel.querySelectorAll('tr[data-hist]'),function(tr){
  tr.addEventListener('click',function(){var h=rows[+tr.getAttribute('data-hist')];
   highlight(function(n){return n[6]==='torch'&&n[1]===h.op&&n[4]===h.code;},h.op);});});
 Array.prototype.forEach.call(panel.querySelectorAll('tr[data-group]'),function(tr){
  tr.addEventListener('click',function(){var g=order[+tr.getAttribute('data-group')];
   highlight(function(n){return groupOf(n[2])===g;},g);});});
 panel.querySelector('a[data-clear]').addEventListener('click',function(){
  blocks.forEach(function(b){b.classList.remove('match','dim');});
  document.getElementById('search-count').textContent='';});}
var COLORS={};
Array.prototype.forEach.call(document.querySelectorAll('#legend .legend-item'),function(l){
 COLORS[l.getAttribute('data-target')]=l.querySelector('i').style.background;});
if(location.hash&&byId[location.hash.slice(1)])showRegion(location.hash.slice(1),'');
else overview();
document.body.setAttribute('data-blocks',String(blocks.length));
document.body.setAttribute('data-legend',
 String(document.querySelectorAll('#legend .legend-item').length));
status('ready');
})();
"""
